import { describe, expect, it } from "vitest";
import { isCairnError } from "./errors.js";
import { assertVersionFieldLimits, DEFAULT_LIMITS } from "./limits.js";

describe("assertVersionFieldLimits", () => {
  const limits = { metadataBytes: 100, descriptionBytes: 10, tagCount: 2 };

  it("refuses each field over its limit with 413's code, naming the limit and the value", () => {
    for (const [fields, text] of [
      [{ metadata: { x: "y".repeat(200) } }, "metadata has 208 bytes of JSON; the limit is 100"],
      [{ description: "é".repeat(6) }, "description has 12 bytes; the limit is 10"],
      [{ tags: ["a", "b", "c"] }, "tags has 3 tags; the limit is 2"],
    ] as const) {
      let error: unknown;
      try {
        assertVersionFieldLimits(fields, limits);
      } catch (e) {
        error = e;
      }
      expect(isCairnError(error, "PAYLOAD_TOO_LARGE")).toBe(true);
      expect((error as Error).message).toContain(text);
    }
  });

  it("accepts fields at their limits and leaves absent fields alone", () => {
    expect(() =>
      assertVersionFieldLimits({ description: "x".repeat(10), tags: ["a", "b"] }, limits),
    ).not.toThrow();
    expect(() => assertVersionFieldLimits({}, limits)).not.toThrow();
    expect(DEFAULT_LIMITS.metadataBytes).toBe(1024 * 1024);
  });
});
