import { describe, expect, it } from "vitest";
import {
  CairnError,
  codeOfHttpStatus,
  ERROR_CODES,
  ERRORS,
  EXIT_CODES,
  isCairnError,
  isErrorCode,
} from "./index.js";

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

describe("the error table", () => {
  it("has one row per code, each with a status, retry flag, exit code and hint", () => {
    expect(ERROR_CODES.length).toBe(Object.keys(ERRORS).length);
    for (const code of ERROR_CODES) {
      const spec = ERRORS[code];
      expect(spec.httpStatus, code).toBeGreaterThanOrEqual(400);
      expect(spec.httpStatus, code).toBeLessThan(600);
      expect(Object.values(EXIT_CODES), code).toContain(spec.exitCode);
      expect(spec.exitCode, code).not.toBe(0);
      expect(spec.hint.length, code).toBeGreaterThan(10);
    }
  });

  it("reports a server bug as INTERNAL (exit 1), never as unreachable", () => {
    expect(ERRORS.INTERNAL).toMatchObject({ httpStatus: 500, exitCode: 1, retryable: false });
    expect(ERRORS.INTERNAL.hint).not.toMatch(/cairn server/);
    expect(ERRORS.LOCAL_IO.exitCode).not.toBe(ERRORS.UNAVAILABLE.exitCode);
    expect(codeOfHttpStatus(500)).toBe("INTERNAL");
    expect(codeOfHttpStatus(502)).toBe("UNAVAILABLE");
    expect(codeOfHttpStatus(503)).toBe("UNAVAILABLE");
    expect(codeOfHttpStatus(418)).toBe("INVALID_INPUT");
  });

  it("maps every status the table uses back to a code of that status", () => {
    for (const code of ERROR_CODES) {
      const status = ERRORS[code].httpStatus;
      expect(ERRORS[codeOfHttpStatus(status)].httpStatus, code).toBe(status);
    }
  });

  it("recognises codes read off the wire", () => {
    expect(isErrorCode("NOT_FOUND")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});
