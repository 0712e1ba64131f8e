import { CairnError, ERROR_CODES, ERRORS } from "@cairn/core";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { describe, expect, it } from "vitest";
import { requestIdOfError, TRPC_CODE_OF_STATUS, toTrpcError } from "./error-map.js";

describe("the API error map", () => {
  it("answers every domain code with the status of its row in the error table", () => {
    for (const code of ERROR_CODES) {
      const status = ERRORS[code].httpStatus;
      // A new status in the table needs a row in TRPC_CODE_OF_STATUS.
      expect(TRPC_CODE_OF_STATUS[status], `${code} → ${status}`).toBeDefined();
      const trpc = toTrpcError(new CairnError(code, "x"));
      // tRPC has no 507: a procedure answers 503 with domain code STORAGE_FULL (byte routes 507).
      expect(getHTTPStatusCodeFromError(trpc), code).toBe(status === 507 ? 503 : status);
    }
  });

  it("keeps a bug's text out of the answer and an outage's as UNAVAILABLE", () => {
    const bug = toTrpcError(new Error('relation "x" does not exist'));
    expect(bug.code).toBe("INTERNAL_SERVER_ERROR");
    expect(bug.message).not.toContain("relation");
    const outage = toTrpcError(Object.assign(new Error("connect"), { code: "ECONNREFUSED" }));
    expect(outage.code).toBe("SERVICE_UNAVAILABLE");
  });

  it("quotes the request id it is given in a storage failure and remembers it for the log", () => {
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), {
      code: "ENOSPC",
      syscall: "write",
    });
    const mapped = toTrpcError(full, "req-123");
    expect(mapped.message).toContain("request id req-123");
    expect(mapped.message).not.toContain("ENOSPC");
    expect(requestIdOfError(mapped)).toBe("req-123");
    // Without one (a direct caller), a fresh id is quoted and nothing is remembered.
    const bare = toTrpcError(full);
    expect(bare.message).toMatch(/request id [0-9a-f-]{36}/);
    expect(requestIdOfError(bare)).toBeUndefined();
  });
});
