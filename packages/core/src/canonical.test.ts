import { expectThrowsCode } from "@cairn/vitest-config/expect-code";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CanonicalValue,
  canonicalEntryLine,
  canonicalJson,
  compareCodePoints,
  type ManifestEntry,
} from "./index.js";

/** Reference order: compare arrays of code points. */
function byCodePointArrays(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}

/** Reference order: compare UTF-8 bytes. */
function byUtf8Bytes(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}

describe("compareCodePoints", () => {
  it("sorts astral characters after U+E000–U+FFFF, unlike the default UTF-16 sort", () => {
    const astral = "\u{1F600}";
    const bmpHigh = "\uFB01";
    expect([astral, bmpHigh].sort()).toEqual([astral, bmpHigh]); // JS default: UTF-16 units
    expect([astral, bmpHigh].sort(compareCodePoints)).toEqual([bmpHigh, astral]);
    expect(compareCodePoints("a", "b")).toBeLessThan(0);
    expect(compareCodePoints("b", "a")).toBeGreaterThan(0);
    expect(compareCodePoints("ab", "ab")).toBe(0);
    expect(compareCodePoints("a", "ab")).toBeLessThan(0);
    expect(compareCodePoints("Z", "a")).toBeLessThan(0);
    expect(compareCodePoints("\uFFFF", "\u{10000}")).toBeLessThan(0);
    expect(compareCodePoints("\uD7FF", "\u{10000}")).toBeLessThan(0);
  });

  it("agrees in sign with code point and UTF-8 byte order for any well-formed strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        const got = Math.sign(compareCodePoints(a, b));
        expect(got).toBe(Math.sign(byCodePointArrays(a, b)));
        expect(got).toBe(Math.sign(byUtf8Bytes(a, b)));
      }),
    );
  });
});

describe("canonicalJson", () => {
  it("sorts keys by code point, at every depth, without whitespace", () => {
    const value = { b: 1, a: { z: true, "\u{1F600}": null, "\uFB01": "x" }, B: [3, "s"] };
    expect(canonicalJson(value)).toBe(
      '{"B":[3,"s"],"a":{"z":true,"\uFB01":"x","\u{1F600}":null},"b":1}',
    );
  });

  it("escapes only what JSON requires, with lowercase \\u00xx for other controls", () => {
    expect(canonicalJson('q"b\\s\b\f\n\r\t')).toBe('"q\\"b\\\\s\\b\\f\\n\\r\\t"');
    expect(canonicalJson("\u0000\u0001\u001a\u001f")).toBe('"\\u0000\\u0001\\u001a\\u001f"');
    // DEL, U+2028/2029, non-ASCII and astral characters stay literal.
    expect(canonicalJson("\u007f\u2028\u2029é😀/")).toBe('"\u007f\u2028\u2029é😀/"');
  });

  it("writes integers in plain decimal, -0 as 0, and booleans and null", () => {
    expect(canonicalJson(9007199254740991)).toBe("9007199254740991");
    expect(canonicalJson(-42)).toBe("-42");
    expect(canonicalJson(-0)).toBe("0");
    expect(canonicalJson([true, false, null])).toBe("[true,false,null]");
  });

  it("omits object keys whose value is undefined", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it("refuses values with no single spelling", () => {
    expectThrowsCode(() => canonicalJson(0.5), "INVALID_MANIFEST");
    expectThrowsCode(() => canonicalJson(2 ** 53), "INVALID_MANIFEST");
    expectThrowsCode(() => canonicalJson(Number.NaN), "INVALID_MANIFEST");
    expectThrowsCode(() => canonicalJson("a\ud800"), "INVALID_MANIFEST");
    expectThrowsCode(() => canonicalJson({ "\udc00": 1 }), "INVALID_MANIFEST");
    expectThrowsCode(
      () => canonicalJson(new Date(0) as unknown as CanonicalValue),
      "INVALID_MANIFEST",
    );
    expectThrowsCode(
      () => canonicalJson([undefined] as unknown as CanonicalValue),
      "INVALID_MANIFEST",
    );
    expect(() => canonicalJson({ n: 1.5 })).toThrow(
      /value\.n is 1\.5.*store other numbers as strings/,
    );
  });

  it("keeps an own __proto__ key as data", () => {
    const value = JSON.parse('{"b":1,"__proto__":[1]}') as CanonicalValue;
    expect(canonicalJson(value)).toBe('{"__proto__":[1],"b":1}');
  });

  it("round-trips through JSON.parse and matches JSON.stringify of key-sorted values", () => {
    const leaf = fc.oneof(
      fc.string({ unit: "grapheme" }),
      fc.maxSafeInteger(),
      fc.boolean(),
      fc.constant(null),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { maxDepth: 3 },
        leaf,
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: "grapheme" }), tie("node"), { maxKeys: 4 }),
      ),
    })).node as fc.Arbitrary<CanonicalValue>;
    const sortKeys = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(sortKeys);
      if (v !== null && typeof v === "object") {
        // fromEntries defines own properties, so a "__proto__" key stays a key (assignment would set the prototype).
        return Object.fromEntries(
          Object.keys(v)
            .sort(compareCodePoints)
            .map((key) => [key, sortKeys((v as Record<string, unknown>)[key])]),
        );
      }
      return v;
    };
    fc.assert(
      fc.property(tree, (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(value);
        // Integer-like keys ("1") are the one place JS object key order differs, so compare parsed.
        expect(JSON.parse(JSON.stringify(sortKeys(value)))).toEqual(JSON.parse(text));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});

describe("canonicalEntryLine", () => {
  const file: ManifestEntry = { path: "a.txt", digest: "ab12", size: 5 };

  it("spells an entry with sorted keys and omits absent ref and extra", () => {
    expect(canonicalEntryLine(file)).toBe('{"digest":"ab12","path":"a.txt","size":5}');
    expect(
      canonicalEntryLine({
        path: "r",
        digest: "etag",
        size: null,
        ref: "s3://b/k",
        extra: { versionID: "v1", etag: '"x"', n: 3, ok: true, nil: null },
      }),
    ).toBe(
      '{"digest":"etag","extra":{"etag":"\\"x\\"","n":3,"nil":null,"ok":true,"versionID":"v1"},"path":"r","ref":"s3://b/k","size":null}',
    );
  });

  it("spells an empty extra like an absent one", () => {
    expect(canonicalEntryLine({ ...file, extra: {} })).toBe(canonicalEntryLine(file));
  });

  it("agrees with canonicalJson of the same object", () => {
    const entry: ManifestEntry = {
      path: 'dir/\u{1F600} "q"\n',
      digest: "d",
      size: 0,
      ref: "https://x/y",
      extra: { b: 2, a: "1" },
    };
    expect(canonicalEntryLine(entry)).toBe(canonicalJson(entry));
  });

  it("ignores fields that are not part of the entry shape", () => {
    const withJunk = { ...file, note: "not hashed" } as ManifestEntry;
    expect(canonicalEntryLine(withJunk)).toBe(canonicalEntryLine(file));
  });

  it("refuses malformed entries with INVALID_MANIFEST naming the field", () => {
    const bad = (entry: unknown) => () => canonicalEntryLine(entry as ManifestEntry);
    expectThrowsCode(bad({ ...file, path: "" }), "INVALID_MANIFEST");
    expectThrowsCode(bad({ ...file, digest: "" }), "INVALID_MANIFEST");
    expectThrowsCode(bad({ ...file, size: -1 }), "INVALID_MANIFEST");
    expectThrowsCode(bad({ ...file, size: 1.5 }), "INVALID_MANIFEST");
    expectThrowsCode(bad({ ...file, size: undefined }), "INVALID_MANIFEST");
    expectThrowsCode(bad({ ...file, ref: "" }), "INVALID_MANIFEST");
    expectThrowsCode(bad({ ...file, extra: { a: { nested: 1 } } }), "INVALID_MANIFEST");
    expectThrowsCode(bad({ ...file, extra: { a: 0.1 } }), "INVALID_MANIFEST");
    expectThrowsCode(bad({ ...file, extra: [] }), "INVALID_MANIFEST");
    expectThrowsCode(bad({ ...file, path: "x\ud800" }), "INVALID_MANIFEST");
    expect(bad({ ...file, size: -1 })).toThrow(/entry "a.txt".*"size" must be a non-negative/);
  });
});
