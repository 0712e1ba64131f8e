import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorOf } from "../test/error-of.js";
import { assertSameType, nextVersionNumber, resolveLog, sha256Hex } from "./index.js";

describe("nextVersionNumber", () => {
  it("starts at 0 and continues after the highest number ever used", () => {
    expect(nextVersionNumber([])).toBe(0);
    expect(nextVersionNumber([0])).toBe(1);
    expect(nextVersionNumber([0, 1, 2])).toBe(3);
    // v1 and v2 were deleted: their numbers are not reused.
    expect(nextVersionNumber([0, 3])).toBe(4);
    expect(nextVersionNumber(new Set([5, 2]))).toBe(6);
  });

  it("is always greater than every used number", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1_000_000)), (numbers) => {
        const next = nextVersionNumber(numbers);
        for (const n of numbers) expect(next).toBeGreaterThan(n);
        expect(next).toBe(numbers.length === 0 ? 0 : Math.max(...numbers) + 1);
      }),
    );
  });

  it("rejects numbers that are not version numbers", () => {
    expect(errorOf(() => nextVersionNumber([1, -1])).code).toBe("INVALID_INPUT");
    expect(errorOf(() => nextVersionNumber([1.5])).code).toBe("INVALID_INPUT");
  });
});

describe("resolveLog", () => {
  const d0 = sha256Hex("v0 contents");
  const d1 = sha256Hex("v1 contents");
  const existingByDigest = new Map([
    [d0, { number: 0, id: "ver_a" }],
    [d1, { number: 1, id: "ver_b" }],
  ]);

  it("returns the existing version for identical contents", () => {
    const result = resolveLog({ existingByDigest, digest: d0, allNumbersEverUsed: [0, 1] });
    expect(result).toEqual({ kind: "existing", version: { number: 0, id: "ver_a" } });
  });

  it("creates the next number for new contents, never reusing deleted numbers", () => {
    const digest = sha256Hex("new contents");
    expect(resolveLog({ existingByDigest, digest, allNumbersEverUsed: [0, 1, 2] })).toEqual({
      kind: "new",
      number: 3,
    });
    expect(resolveLog({ existingByDigest: new Map(), digest, allNumbersEverUsed: [] })).toEqual({
      kind: "new",
      number: 0,
    });
  });

  it("rejects a digest that is not a version digest", () => {
    const err = errorOf(() =>
      resolveLog({ existingByDigest, digest: d0.toUpperCase(), allNumbersEverUsed: [] }),
    );
    expect(err.code).toBe("INVALID_DIGEST");
    expect(err.message).toMatch(/64 lowercase hex/);
  });
});

describe("assertSameType", () => {
  it("accepts a new name or the same type", () => {
    expect(() =>
      assertSameType({ name: "cats", existingType: undefined, requestedType: "model" }),
    ).not.toThrow();
    expect(() =>
      assertSameType({ name: "cats", existingType: null, requestedType: "model" }),
    ).not.toThrow();
    expect(() =>
      assertSameType({ name: "cats", existingType: "dataset", requestedType: "dataset" }),
    ).not.toThrow();
  });

  it("refuses another type, naming the artifact, both types and the way out", () => {
    const err = errorOf(() =>
      assertSameType({ name: "cats", existingType: "dataset", requestedType: "model" }),
    );
    expect(err.code).toBe("NAME_TAKEN_BY_OTHER_TYPE");
    expect(err.message).toContain('"cats"');
    expect(err.message).toContain('type "dataset"');
    expect(err.message).toContain('"model"');
    expect(err.message).toMatch(/another name/);
    expect(err.details).toEqual({ name: "cats", existingType: "dataset", requestedType: "model" });
  });

  it("compares types exactly", () => {
    expect(
      errorOf(() => assertSameType({ name: "x", existingType: "Model", requestedType: "model" }))
        .code,
    ).toBe("NAME_TAKEN_BY_OTHER_TYPE");
  });
});
