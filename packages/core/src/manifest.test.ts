import { expectThrowsCode } from "@cairn/vitest-config/expect-code";
import { describe, expect, it } from "vitest";
import { errorOf } from "./error-of.test-helpers.js";
import {
  diffManifests,
  type ManifestEntry,
  manifestTotals,
  parseManifestEntries,
} from "./index.js";

const a: ManifestEntry = { path: "a.txt", digest: "da", size: 1 };
const b: ManifestEntry = { path: "b.txt", digest: "db", size: 2 };
const ref: ManifestEntry = {
  path: "r",
  digest: "etag",
  size: null,
  ref: "s3://bucket/r",
  extra: { etag: "etag", versionID: "v1" },
};

describe("parseManifestEntries", () => {
  it("accepts valid entries and drops unknown keys", () => {
    const parsed = parseManifestEntries([a, { ...b, junk: 1 }, ref]);
    expect(parsed).toEqual([a, b, ref]);
  });

  it("rejects non-arrays and malformed entries, naming entry index, path and field", () => {
    expectThrowsCode(() => parseManifestEntries({ entries: [] }), "INVALID_MANIFEST");
    const err = errorOf(() =>
      parseManifestEntries([a, { path: "bad.bin", digest: "d", size: -3 }, { digest: "x" }]),
    );
    expect(err.code).toBe("INVALID_MANIFEST");
    expect(err.message).toMatch(/entry 1 \("bad\.bin"\) size/);
    expect(err.message).toMatch(/entry 2 path/);
    expect(err.message).toMatch(/non-negative integer or null/);
  });

  it("rejects floats and nested values in extra", () => {
    expect(errorOf(() => parseManifestEntries([{ ...a, extra: { ratio: 0.5 } }])).message).toMatch(
      /extra\.ratio: must be a string, safe integer, boolean or null/,
    );
    expectThrowsCode(() => parseManifestEntries([{ ...a, extra: { o: {} } }]), "INVALID_MANIFEST");
  });

  it("summarises long issue lists", () => {
    const many = Array.from({ length: 8 }, () => ({ path: "", digest: "", size: 1 }));
    expect(errorOf(() => parseManifestEntries(many)).message).toMatch(/and \d+ more/);
  });

  it("rejects duplicate paths", () => {
    const err = errorOf(() => parseManifestEntries([a, { ...a, digest: "other" }]));
    expect(err.code).toBe("DUPLICATE_PATH");
    expect(err.message).toContain('"a.txt"');
  });
});

describe("manifestTotals", () => {
  it("counts entries, sums known sizes and counts unknown ones", () => {
    expect(manifestTotals([a, b, ref])).toEqual({ count: 3, bytes: 3, unknownSizeCount: 1 });
    expect(manifestTotals([])).toEqual({ count: 0, bytes: 0, unknownSizeCount: 0 });
  });
});

describe("diffManifests", () => {
  it("reports added, removed and changed paths", () => {
    const c: ManifestEntry = { path: "c.txt", digest: "dc", size: 3 };
    const bChanged = { ...b, digest: "db2" };
    const diff = diffManifests([a, b, ref], [bChanged, c, ref]);
    expect(diff.added).toEqual([c]);
    expect(diff.removed).toEqual([a]);
    expect(diff.changed).toEqual([{ path: "b.txt", before: b, after: bChanged }]);
  });

  it("treats size and ref as content, and extra alone as metadata", () => {
    const diff = diffManifests(
      [a, b, ref],
      [
        { ...a, size: 10 },
        { ...b, ref: "https://x/b" },
        { ...ref, extra: { etag: "other" } },
      ],
    );
    expect(diff.changed.map((c) => c.path)).toEqual(["a.txt", "b.txt"]);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
  });

  it("is empty for identical manifests and refuses duplicates", () => {
    expect(diffManifests([a, b], [b, a])).toEqual({ added: [], removed: [], changed: [] });
    expectThrowsCode(() => diffManifests([a], [b, b]), "DUPLICATE_PATH");
  });
});
