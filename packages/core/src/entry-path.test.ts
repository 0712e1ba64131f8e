import { expectThrowsCode } from "@cairn/vitest-config/expect-code";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorOf } from "./error-of.test-helpers.js";
import {
  entryBaseName,
  isCairnError,
  joinEntryPath,
  MAX_ENTRY_PATH_BYTES,
  MAX_ENTRY_SEGMENT_BYTES,
  normalizeEntryPath,
} from "./index.js";

function tryNormalize(p: string): string | undefined {
  try {
    return normalizeEntryPath(p);
  } catch (error) {
    if (!isCairnError(error, "INVALID_PATH")) throw error;
    return undefined;
  }
}

describe("normalizeEntryPath accepts and canonicalises", () => {
  it.each([
    ["model.h5", "model.h5"],
    ["images/cat.png", "images/cat.png"],
    ["./model.h5", "model.h5"],
    ["././a/./b/.", "a/b"],
    ["a\\b\\c.txt", "a/b/c.txt"],
    [".\\a\\b", "a/b"],
    ["a/.hidden", "a/.hidden"],
    ["...", "..."],
    ["a/..b/c..", "a/..b/c.."],
    ["with space/and tab-less.txt", "with space/and tab-less.txt"],
    ["gato.png", "gato.png"],
    ["imágenes/perro.png", "imágenes/perro.png"],
    // NFD (macOS file names) becomes NFC: "e" + combining acute → "é".
    ["cafe\u0301.txt", "caf\u00e9.txt"],
    ["C/x", "C/x"],
    ["ab:c/d:e", "ab:c/d:e"],
    ["x".repeat(MAX_ENTRY_SEGMENT_BYTES), "x".repeat(MAX_ENTRY_SEGMENT_BYTES)],
  ])("%j → %j", (input, expected) => {
    expect(normalizeEntryPath(input)).toBe(expected);
  });

  it("accepts a path of exactly the byte limit", () => {
    const segment = "s".repeat(200);
    const path = [segment, segment, segment, segment, "t".repeat(MAX_ENTRY_PATH_BYTES - 804)].join(
      "/",
    );
    expect(new TextEncoder().encode(path).length).toBe(MAX_ENTRY_PATH_BYTES);
    expect(normalizeEntryPath(path)).toBe(path);
  });
});

describe("normalizeEntryPath rejects with the reason", () => {
  it.each([
    ["", "empty"],
    ["/x", "absolute"],
    ["/", "absolute"],
    ["\\x", "absolute"],
    ["\\\\server\\share\\x", "absolute"],
    ["C:\\x", "drive letter"],
    ["C:/x", "drive letter"],
    ["c:x", "drive letter"],
    ["a:b", "drive letter"],
    ["./a:", "drive letter"],
    ["./C:/x", "drive letter"],
    ["..", '".."'],
    ["../x", '".."'],
    ["a/../b", '".."'],
    ["a\\..\\b", '".."'],
    ["a/..", '".."'],
    ["a//b", "empty segment"],
    ["a\\\\b", "empty segment"],
    [".//a", "empty segment"],
    ["a/", 'ends with "/"'],
    ["a\\", 'ends with "/"'],
    ["./", 'ends with "/"'],
    [".", "artifact root"],
    ["./.", "artifact root"],
    ["a\u0000b", "U+0000"],
    ["a\nb", "U+000A"],
    ["a\u001fb", "U+001F"],
    ["a\u007fb", "U+007F"],
    ["a\u009fb", "U+009F"],
    ["a\ud800b", "U+D800"],
    ["x".repeat(MAX_ENTRY_SEGMENT_BYTES + 1), "256 UTF-8 bytes"],
    ["é".repeat(128), "256 UTF-8 bytes"],
    [Array.from({ length: 5 }, () => "y".repeat(250)).join("/"), "1254 UTF-8 bytes"],
  ])("%j (%s)", (input, reason) => {
    const error = errorOf(() => normalizeEntryPath(input));
    expect(error.code).toBe("INVALID_PATH");
    expect(error.message).toContain(reason);
    expect(error.message).toContain("An entry path is relative");
  });

  it("rejects non-strings with INVALID_PATH", () => {
    expectThrowsCode(() => normalizeEntryPath(null as unknown as string), "INVALID_PATH");
  });
});

describe("normalizeEntryPath properties", () => {
  const segmentChars = fc.constantFrom(
    "a",
    "b",
    "é",
    "e\u0301",
    ".",
    "..",
    "\\",
    "/",
    " ",
    "_",
    "\u0000",
    ":",
    "C",
  );
  const pathLike = fc.array(segmentChars, { maxLength: 16 }).map((chars) => chars.join(""));
  const anyString = fc.oneof(
    pathLike,
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ maxLength: 40 }),
  );

  it("output is a fixed point and never holds '..', empty segments, '\\' or a leading '/'", () => {
    fc.assert(
      fc.property(anyString, (input) => {
        const out = tryNormalize(input);
        if (out === undefined) return;
        expect(normalizeEntryPath(out)).toBe(out);
        expect(out.startsWith("/")).toBe(false);
        expect(out.endsWith("/")).toBe(false);
        expect(out.includes("\\")).toBe(false);
        expect(out.normalize("NFC")).toBe(out);
        for (const segment of out.split("/")) {
          expect(segment).not.toBe("");
          expect(segment).not.toBe("..");
          expect(segment).not.toBe(".");
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps valid segments in order", () => {
    const safeSegment = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,20}$/);
    fc.assert(
      fc.property(fc.array(safeSegment, { minLength: 1, maxLength: 8 }), (segments) => {
        expect(normalizeEntryPath(segments.join("/"))).toBe(segments.join("/"));
        expect(normalizeEntryPath(segments.join("\\"))).toBe(segments.join("/"));
        expect(normalizeEntryPath(`./${segments.join("/./")}`)).toBe(segments.join("/"));
      }),
    );
  });
});

describe("joinEntryPath", () => {
  it.each([
    ["images", "cat.png", "images/cat.png"],
    ["a/b", "c/d.txt", "a/b/c/d.txt"],
    ["./models", "./x.h5", "models/x.h5"],
    ["a\\b", "c\\d", "a/b/c/d"],
  ])("joinEntryPath(%j, %j) → %j", (prefix, rel, expected) => {
    expect(joinEntryPath(prefix, rel)).toBe(expected);
  });

  it.each([
    ["images", "../x"],
    ["images", "/etc/passwd"],
    ["/images", "x"],
    ["", "x"],
    ["images/", "x"],
    ["images", ""],
    ["x".repeat(600), "y".repeat(250).concat("/", "z".repeat(250))],
  ])("rejects joinEntryPath(%j, %j)", (prefix, rel) => {
    expectThrowsCode(() => joinEntryPath(prefix, rel), "INVALID_PATH");
  });
});

describe("entryBaseName", () => {
  it.each([
    ["model.h5", "model.h5"],
    ["images/cat.png", "cat.png"],
    ["a\\b\\c.txt", "c.txt"],
    ["./a/./b", "b"],
  ])("entryBaseName(%j) → %j", (input, expected) => {
    expect(entryBaseName(input)).toBe(expected);
  });

  it("rejects what normalizeEntryPath rejects", () => {
    expectThrowsCode(() => entryBaseName("a/"), "INVALID_PATH");
  });
});
