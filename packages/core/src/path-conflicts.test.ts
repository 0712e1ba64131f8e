import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCairnError } from "./errors.js";
import { assertNoPathConflicts } from "./path-conflicts.js";

const conflictOf = (paths: string[]): unknown => {
  try {
    assertNoPathConflicts(paths);
    return null;
  } catch (error) {
    return error;
  }
};

describe("assertNoPathConflicts", () => {
  it("refuses a file and a directory of one path, naming both", () => {
    const error = conflictOf(["a/b", "a"]);
    expect(isCairnError(error, "INVALID_PATH")).toBe(true);
    expect((error as Error).message).toContain('"a"');
    expect((error as Error).message).toContain('"a/b"');
  });

  it("sees through siblings that sort between the file and its children", () => {
    expect(conflictOf(["a", "a-1", "a.txt", "a0", "a/b/c"])).not.toBeNull();
    expect(conflictOf(["a-x", "a-x/y", "a"])).not.toBeNull();
  });

  it("accepts paths that only share a prefix", () => {
    expect(conflictOf(["a", "ab/c", "a-b", "a.b/c", "b/a", "b/a.txt"])).toBeNull();
  });

  it("agrees with the quadratic definition on random path sets", () => {
    const segment = fc.constantFrom("a", "b", "a-", "a.", "ab");
    const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join("/"));
    fc.assert(
      fc.property(fc.uniqueArray(path, { maxLength: 12 }), (paths) => {
        const expected = paths.some((p) => paths.some((q) => q.startsWith(`${p}/`)));
        expect(conflictOf(paths) !== null).toBe(expected);
      }),
    );
  });
});
