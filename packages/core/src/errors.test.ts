import { describe, expect, it } from "vitest";
import { CairnError, isCairnError } from "./index.js";

describe("CairnError", () => {
  it("is recognised by shape and code, not prototype", () => {
    const err = new CairnError("INVALID_NAME", "bad name", { details: { name: "x/y" } });
    expect(isCairnError(err)).toBe(true);
    expect(isCairnError(err, "INVALID_NAME")).toBe(true);
    expect(isCairnError(err, "INVALID_TYPE")).toBe(false);
    const foreign = { name: "CairnError", code: "INVALID_NAME", message: "from another copy" };
    expect(isCairnError(foreign, "INVALID_NAME")).toBe(true);
    expect(isCairnError(new Error("plain"))).toBe(false);
    expect(isCairnError(null)).toBe(false);
  });

  it("keeps its cause", () => {
    const cause = new Error("root");
    const err = new CairnError("CONFLICT", "wrapped", { cause });
    expect(err.cause).toBe(cause);
    expect(err.message).toBe("wrapped");
  });
});
