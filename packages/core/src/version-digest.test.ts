import { createHash } from "node:crypto";
import { expectThrowsCode } from "@cairn/vitest-config/expect-code";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import golden from "../test/fixtures/golden-manifests.json" with { type: "json" };
import {
  canonicalEntryLine,
  canonicalManifestChunks,
  compareCodePoints,
  computeVersionDigest,
  type Hasher,
  MANIFEST_HEADER,
  type ManifestEntry,
  parseManifestEntries,
  sha256Hex,
  sortEntries,
  VersionDigestBuilder,
} from "./index.js";

/** A node:crypto hasher, as the server and client inject it. */
function nodeHasher(): Hasher {
  const hash = createHash("sha256");
  const hasher: Hasher = {
    update(data) {
      hash.update(data);
      return hasher;
    },
    digestHex: () => hash.digest("hex"),
  };
  return hasher;
}

const cases = golden.cases.map((c) => ({ ...c, entries: parseManifestEntries(c.entries) }));

describe("golden manifests (test/fixtures/golden-manifests.json)", () => {
  it("pins the encoding version", () => {
    expect(golden.encoding).toBe("cairn-manifest-v1");
    expect(MANIFEST_HEADER).toBe("cairn-manifest-v1\n");
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  for (const c of cases) {
    it(`reproduces "${c.name}"`, () => {
      expect([...canonicalManifestChunks(c.entries)].join("")).toBe(c.document);
      expect(computeVersionDigest(c.entries)).toBe(c.digest);
      expect(computeVersionDigest(c.entries, nodeHasher)).toBe(c.digest);
      // The digest is exactly SHA-256 of the document's UTF-8 bytes.
      expect(createHash("sha256").update(c.document, "utf8").digest("hex")).toBe(c.digest);
      const builder = new VersionDigestBuilder();
      builder.addAll(sortEntries(c.entries));
      expect(builder.digest()).toBe(c.digest);
      expect(builder.count).toBe(c.entries.length);
    });
  }

  it("spells the empty manifest as the header alone", () => {
    const empty = cases.find((c) => c.entries.length === 0)!;
    expect(empty.document).toBe(MANIFEST_HEADER);
    expect(empty.digest).toBe(sha256Hex(MANIFEST_HEADER));
  });
});

const entryArb: fc.Arbitrary<ManifestEntry> = fc
  .record(
    {
      path: fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
      digest: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 12 }),
      size: fc.option(fc.maxSafeNat(), { nil: null }),
      ref: fc.webUrl(),
      extra: fc.dictionary(
        fc.string({ maxLength: 6 }),
        fc.oneof(fc.string(), fc.maxSafeInteger(), fc.boolean(), fc.constant(null)),
        { maxKeys: 3 },
      ),
    },
    { requiredKeys: ["path", "digest", "size"] },
  )
  .map((e) => e as ManifestEntry);

const manifestArb = fc.uniqueArray(entryArb, { selector: (e) => e.path, maxLength: 12 });

describe("version digest properties", () => {
  it("does not depend on input order", () => {
    fc.assert(
      fc.property(manifestArb, fc.infiniteStream(fc.nat()), (entries, randoms) => {
        const shuffled = [...entries];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = randoms.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(computeVersionDigest(shuffled)).toBe(computeVersionDigest(entries));
      }),
    );
  });

  it("changes when one byte of a path or digest, or a size, changes", () => {
    fc.assert(
      fc.property(
        manifestArb.filter((m) => m.length > 0),
        fc.nat(),
        fc.nat(),
        fc.constantFrom("path", "digest", "size"),
        (entries, which, position, field) => {
          const index = which % entries.length;
          const original = entries[index]!;
          let changed: ManifestEntry;
          if (field === "size") {
            changed = { ...original, size: original.size === null ? 0 : original.size + 1 };
          } else {
            const text = original[field];
            const at = position % text.length;
            // Flipping the low bit of a UTF-16 unit changes one code point (one UTF-8 byte for
            // ASCII) and keeps the string well-formed: surrogate ranges are even-aligned.
            const code = text.charCodeAt(at);
            const flipped = text.slice(0, at) + String.fromCharCode(code ^ 1) + text.slice(at + 1);
            changed = { ...original, [field]: flipped };
            if (field === "path" && entries.some((e) => e.path === flipped)) return;
          }
          const mutated = entries.map((e, i) => (i === index ? changed : e));
          expect(computeVersionDigest(mutated)).not.toBe(computeVersionDigest(entries));
        },
      ),
    );
  });

  it("changes when a non-ASCII character of a path changes", () => {
    const base: ManifestEntry = { path: "données/é.csv", digest: "d", size: 1 };
    const digest = computeVersionDigest([base]);
    expect(computeVersionDigest([{ ...base, path: "données/è.csv" }])).not.toBe(digest);
    expect(computeVersionDigest([{ ...base, path: "données/😀.csv" }])).not.toBe(digest);
    expect(computeVersionDigest([{ ...base, size: null }])).not.toBe(digest);
  });

  it("never gives two different entry lists the same document", () => {
    fc.assert(
      fc.property(manifestArb, manifestArb, (a, b) => {
        const docA = [...canonicalManifestChunks(a)].join("");
        const docB = [...canonicalManifestChunks(b)].join("");
        // The document must decode back to exactly the sorted entries (so distinct lists differ).
        const decode = (doc: string) =>
          doc
            .slice(MANIFEST_HEADER.length)
            .split("\n")
            .filter((line) => line.length > 0)
            .map((line) => JSON.parse(line));
        const normal = (m: ManifestEntry[]) =>
          sortEntries(m).map(({ path, digest, size, ref, extra }) => ({
            digest,
            ...(extra && Object.keys(extra).length > 0 ? { extra } : {}),
            path,
            ...(ref !== undefined ? { ref } : {}),
            size,
          }));
        expect(decode(docA)).toEqual(normal(a));
        expect(decode(docB)).toEqual(normal(b));
        if (docA === docB) expect(normal(a)).toEqual(normal(b));
      }),
    );
  });

  it("gives lists that differ in one entry different documents", () => {
    fc.assert(
      fc.property(
        manifestArb.filter((m) => m.length > 0),
        entryArb,
        fc.nat(),
        (a, entry, i) => {
          const index = i % a.length;
          const b = a.map((e, j) => (j === index ? { ...entry, path: e.path } : e));
          const docA = [...canonicalManifestChunks(a)].join("");
          const docB = [...canonicalManifestChunks(b)].join("");
          expect(docA === docB).toBe(
            canonicalEntryLine(a[index]!) === canonicalEntryLine(b[index]!),
          );
        },
      ),
    );
  });

  it("ignores everything but the entries: metadata never enters the digest", () => {
    const entries: ManifestEntry[] = [{ path: "a", digest: "x", size: 1 }];
    const decorated = entries.map((e) => ({ ...e, description: "d", aliases: ["latest"] }));
    expect(computeVersionDigest(decorated as ManifestEntry[])).toBe(computeVersionDigest(entries));
  });
});

describe("sortEntries and duplicates", () => {
  it("sorts by code point, not UTF-16, without mutating the input", () => {
    const input: ManifestEntry[] = [
      { path: "\u{1F600}", digest: "a", size: 1 },
      { path: "\uFB01", digest: "b", size: 1 },
      { path: "B", digest: "c", size: 1 },
    ];
    expect(sortEntries(input).map((e) => e.path)).toEqual(["B", "\uFB01", "\u{1F600}"]);
    expect(input[0]!.path).toBe("\u{1F600}");
  });

  it("orders like compareCodePoints with and without astral characters", () => {
    const path = fc.oneof(fc.string({ unit: "grapheme-ascii" }), fc.string({ unit: "grapheme" }));
    fc.assert(
      fc.property(fc.uniqueArray(path, { maxLength: 20 }), (paths) => {
        const entries = paths.map((p) => ({ path: p }));
        const expected = [...paths].sort(compareCodePoints);
        expect(sortEntries(entries).map((e) => e.path)).toEqual(expected);
      }),
    );
  });

  it("refuses duplicate paths with DUPLICATE_PATH naming the path", () => {
    const dup: ManifestEntry[] = [
      { path: "x/y.txt", digest: "a", size: 1 },
      { path: "x/y.txt", digest: "b", size: 2 },
    ];
    expectThrowsCode(() => sortEntries(dup), "DUPLICATE_PATH");
    expect(() => computeVersionDigest(dup)).toThrow(/"x\/y\.txt"/);
  });
});

describe("VersionDigestBuilder", () => {
  const entries: ManifestEntry[] = Array.from({ length: 2000 }, (_, i) => ({
    path: `part-${String(i).padStart(5, "0")}/\u{1F600}-${i}.bin`,
    digest: sha256Hex(String(i)),
    size: i * 1024,
  }));

  it("matches computeVersionDigest when fed page by page, with any hasher", () => {
    const expected = computeVersionDigest(entries);
    const builder = new VersionDigestBuilder(nodeHasher);
    for (let i = 0; i < entries.length; i += 333) builder.addAll(entries.slice(i, i + 333));
    expect(builder.digest()).toBe(expected);
    expect(builder.digest()).toBe(expected);
    expect(computeVersionDigest(entries, nodeHasher)).toBe(expected);
    // The chunks are the document: hashing them independently agrees.
    const hash = createHash("sha256");
    for (const chunk of canonicalManifestChunks(entries)) hash.update(chunk, "utf8");
    expect(hash.digest("hex")).toBe(expected);
  });

  it("refuses out-of-order, duplicate and post-digest input", () => {
    const builder = new VersionDigestBuilder().add({ path: "b", digest: "x", size: 1 });
    expectThrowsCode(() => builder.add({ path: "a", digest: "x", size: 1 }), "INVALID_MANIFEST");
    expect(() => builder.add({ path: "a", digest: "x", size: 1 })).toThrow(/COLLATE "C"/);
    expectThrowsCode(() => builder.add({ path: "b", digest: "y", size: 1 }), "DUPLICATE_PATH");
    // Astral after U+FB01 is in order (code point order), although JS `<` says otherwise.
    builder
      .add({ path: "\uFB01", digest: "x", size: 1 })
      .add({ path: "\u{1F600}", digest: "x", size: 1 });
    expect(builder.count).toBe(3);
    builder.digest();
    expectThrowsCode(() => builder.add({ path: "z", digest: "x", size: 1 }), "INVALID_INPUT");
  });

  it("hashes a 200,000-entry manifest without holding the document", () => {
    const builder = new VersionDigestBuilder(nodeHasher);
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) {
      builder.add({ path: `f/${String(i).padStart(7, "0")}`, digest: "ab".repeat(32), size: i });
    }
    const digest = builder.digest();
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
