import { describe, expect, it } from "vitest";
import { errorOf } from "./error-of.test-helpers.js";
import { assertSameType } from "./index.js";

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
