import { CairnError, isCairnError } from "@cairn/core";
import { UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import {
  decodeFailureReason,
  encodeFailureReason,
  isJobFailedError,
  isPermanentFailure,
  permanentFailure,
} from "./index.js";

describe("permanent failures", () => {
  it("treats user-mistake CairnError codes as permanent and passing conditions as transient", () => {
    expect(isPermanentFailure(new CairnError("INVALID_NAME", "bad"))).toBe(true);
    expect(isPermanentFailure(new CairnError("DRAFT_FINISHED", "done"))).toBe(true);
    expect(isPermanentFailure(new CairnError("FORBIDDEN", "no"))).toBe(true);
    expect(isPermanentFailure(new CairnError("UNAVAILABLE", "down"))).toBe(false);
    expect(isPermanentFailure(new CairnError("DRAFT_NOT_READY", "later"))).toBe(false);
    expect(isPermanentFailure(new CairnError("CONFLICT", "race"))).toBe(false);
    expect(isPermanentFailure(new Error("ECONNRESET"))).toBe(false);
    expect(isPermanentFailure("text")).toBe(false);
  });

  it("recognises BullMQ's UnrecoverableError and permanentFailure(), keeping the cause", () => {
    expect(isPermanentFailure(new UnrecoverableError("stop"))).toBe(true);
    const cause = new Error("gone");
    const marked = permanentFailure(cause);
    expect(marked).toBeInstanceOf(UnrecoverableError);
    expect(isPermanentFailure(marked)).toBe(true);
    expect(marked.message).toBe("gone");
    expect(marked.cause).toBe(cause);
  });
});

describe("failure reasons", () => {
  it("round-trips a CairnError's code and message through the stored reason", () => {
    const reason = encodeFailureReason(
      new CairnError("DIGEST_MISMATCH", "digest of a.txt differs"),
    );
    expect(reason).toBe("[DIGEST_MISMATCH] digest of a.txt differs");
    const error = decodeFailureReason("finish", "job-1", reason);
    expect(isCairnError(error, "DIGEST_MISMATCH")).toBe(true);
    expect(error.message).toBe("digest of a.txt differs");
    expect((error as CairnError).details).toEqual({ queue: "finish", jobId: "job-1" });
  });

  it("keeps a permanentFailure(CairnError) decodable as that CairnError", () => {
    const marked = permanentFailure(new CairnError("NOT_FOUND", "no draft d1"));
    const error = decodeFailureReason("finish", "j", encodeFailureReason(marked));
    expect(isCairnError(error, "NOT_FOUND")).toBe(true);
  });

  it("reports other reasons as JobFailedError, including unknown bracketed codes", () => {
    for (const reason of ["socket hang up", "[NOT_A_CODE] text"]) {
      const error = decodeFailureReason("upsert", "j2", reason);
      expect(isJobFailedError(error)).toBe(true);
      expect(error).toMatchObject({ queue: "upsert", jobId: "j2", reason });
      expect(error.message).toContain(reason);
    }
    expect(encodeFailureReason("plain string")).toBe("plain string");
    expect(encodeFailureReason({ message: "object with message" })).toBe("object with message");
  });
});
