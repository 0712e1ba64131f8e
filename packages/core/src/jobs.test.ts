import { expectThrowsCode } from "@cairn/vitest-config/expect-code";
import { describe, expect, expectTypeOf, it } from "vitest";
import { errorOf } from "./error-of.test-helpers.js";
import {
  isQueueName,
  JOB_PAYLOAD_SCHEMAS,
  type JobPayloads,
  jobIdFor,
  parseJobPayload,
  QUEUE_NAMES,
} from "./index.js";

const DIGEST = "a".repeat(64);
const DRAFT = "0b6f3c1e-5d2a-4b8e-9f3a-2c1d0e9b8a7f";

describe("queue names", () => {
  it("has one payload schema per queue", () => {
    expect(Object.keys(JOB_PAYLOAD_SCHEMAS).sort()).toEqual([...QUEUE_NAMES].sort());
    expect(isQueueName("upsert")).toBe(true);
    expect(isQueueName("upserts")).toBe(false);
    expect(isQueueName(3)).toBe(false);
  });
});

describe("parseJobPayload", () => {
  it.each([
    ["upsert", { draftId: DRAFT, seq: 3 }],
    ["upsert", { draftId: "42", seq: 1 }],
    ["finish", { draftId: DRAFT }],
    ["ttl-expiry", {}],
    ["ttl-expiry", { now: "2026-11-23T10:00:00.000Z" }],
    ["ttl-expiry", { now: "2026-11-23T11:00:00+01:00" }],
    ["blob-gc", { graceMs: 0 }],
    ["blob-gc", { graceMs: 3_600_000 }],
    ["blob-verify", { digest: DIGEST }],
  ] as const)("accepts a valid %s payload", (queue, data) => {
    expect(parseJobPayload(queue, data)).toEqual(data);
  });

  it.each([
    ["upsert", { draftId: DRAFT, seq: 0 }, "seq"],
    ["upsert", { draftId: DRAFT, seq: 1.5 }, "seq"],
    ["upsert", { draftId: "a:b", seq: 1 }, "draftId"],
    ["upsert", { seq: 1 }, "draftId"],
    ["finish", { draftId: "" }, "draftId"],
    ["ttl-expiry", { now: "yesterday" }, "now"],
    ["blob-gc", { graceMs: -1 }, "graceMs"],
    ["blob-gc", {}, "graceMs"],
    ["blob-verify", { digest: "A".repeat(64) }, "digest"],
    ["blob-verify", { digest: "a".repeat(63) }, "digest"],
  ] as const)("rejects a bad %s payload, naming the field", (queue, data, field) => {
    const err = errorOf(() => parseJobPayload(queue, data));
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.message).toContain(`queue "${queue}"`);
    expect(err.message).toContain(`${field}:`);
    expect(err.cause).toBeDefined();
  });

  it("rejects data that is not an object", () => {
    expect(errorOf(() => parseJobPayload("finish", null)).message).toContain("(payload)");
  });

  it("rejects an unknown queue, listing the known ones", () => {
    const err = errorOf(() => parseJobPayload("nope" as "finish", { draftId: DRAFT }));
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.message).toContain("upsert, finish, ttl-expiry, blob-gc, blob-verify");
  });

  it("drops unknown fields so older workers accept newer producers", () => {
    expect(parseJobPayload("finish", { draftId: DRAFT, extra: 1 })).toEqual({ draftId: DRAFT });
  });

  it("types the payload by queue", () => {
    expectTypeOf(parseJobPayload<"upsert">).returns.toEqualTypeOf<JobPayloads["upsert"]>();
    expectTypeOf<JobPayloads["upsert"]>().toEqualTypeOf<{ draftId: string; seq: number }>();
    expectTypeOf<JobPayloads["blob-gc"]>().toEqualTypeOf<{ graceMs: number }>();
  });
});

describe("jobIdFor", () => {
  it("builds deterministic ids from the payload", () => {
    expect(jobIdFor("upsert", { draftId: DRAFT, seq: 7 })).toBe(`upsert.${DRAFT}.7`);
    expect(jobIdFor("upsert", { draftId: DRAFT, seq: 7 })).toBe(
      jobIdFor("upsert", { draftId: DRAFT, seq: 7 }),
    );
    expect(jobIdFor("upsert", { draftId: DRAFT, seq: 8 })).not.toBe(
      jobIdFor("upsert", { draftId: DRAFT, seq: 7 }),
    );
    expect(jobIdFor("finish", { draftId: DRAFT })).toBe(`finish.${DRAFT}`);
    expect(jobIdFor("blob-verify", { digest: DIGEST })).toBe(`blob-verify.${DIGEST}`);
  });

  it("keys a ttl sweep by its instant, whatever the ISO spelling", () => {
    const utc = jobIdFor("ttl-expiry", { now: "2026-11-23T10:00:00.000Z" });
    expect(utc).toBe(`ttl-expiry.${Date.UTC(2026, 10, 23, 10)}`);
    expect(jobIdFor("ttl-expiry", { now: "2026-11-23T11:00:00+01:00" })).toBe(utc);
    expect(jobIdFor("ttl-expiry", {})).toBeUndefined();
    expect(jobIdFor("blob-gc", { graceMs: 1000 })).toBeUndefined();
  });

  it("produces ids BullMQ accepts: no ':' and never all digits", () => {
    const ids = [
      jobIdFor("upsert", { draftId: "42", seq: 1 }),
      jobIdFor("finish", { draftId: "42" }),
      jobIdFor("blob-verify", { digest: DIGEST }),
      jobIdFor("ttl-expiry", { now: "2026-11-23T10:00:00Z" }),
    ];
    for (const id of ids) {
      expect(id).not.toContain(":");
      expect(id).not.toMatch(/^\d+$/);
    }
  });

  it("validates the payload before building an id", () => {
    expectThrowsCode(() => jobIdFor("upsert", { draftId: DRAFT, seq: -1 }), "INVALID_INPUT");
    expectThrowsCode(() => jobIdFor("finish", { draftId: "x.y" }), "INVALID_INPUT");
  });

  it("types ids of keyed queues as strings", () => {
    expectTypeOf(jobIdFor("finish", { draftId: DRAFT })).toEqualTypeOf<string>();
    expectTypeOf(jobIdFor("blob-gc", { graceMs: 1 })).toEqualTypeOf<string | undefined>();
  });
});
