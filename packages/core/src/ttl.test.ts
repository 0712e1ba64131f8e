import { expectThrowsCode } from "@cairn/vitest-config/expect-code";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorOf } from "./error-of.test-helpers.js";
import {
  assertDeletable,
  effectiveExpiry,
  expiryDecision,
  formatDuration,
  formatTtlSetting,
  isCairnError,
  MAX_DURATION_MS,
  parseDuration,
  parseTtlSetting,
  ttlSettingSchema,
} from "./index.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("parseDuration", () => {
  it.each([
    ["30d", 30 * D],
    ["12h", 12 * H],
    ["90m", 90 * M],
    ["45s", 45 * S],
    ["2w", 14 * D],
    ["1d12h", D + 12 * H],
    ["1w2d3h4m5s6ms", 9 * D + 3 * H + 4 * M + 5 * S + 6],
    ["500ms", 500],
    [" 7d ", 7 * D],
  ])("reads %s", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    "",
    "30",
    "d",
    "30 d",
    "1.5h",
    "-3d",
    "30D",
    "12h1d",
    "1d1d",
    "3x",
    "0s",
    "0d0h",
    "36501d",
  ])("rejects %j with the accepted forms", (input) => {
    const err = errorOf(() => parseDuration(input));
    expect(err.code).toBe("INVALID_DURATION");
    expect(err.message).toContain("accepted forms");
    expect(err.message).toContain('"1d12h"');
  });

  it("accepts exactly the maximum", () => {
    expect(parseDuration("36500d")).toBe(MAX_DURATION_MS);
  });
});

describe("formatDuration", () => {
  it.each([
    [30 * D, "30d"],
    [14 * D, "2w"],
    [D + 12 * H, "1d12h"],
    [90 * M, "1h30m"],
    [45 * S, "45s"],
    [1500, "1s500ms"],
    [0, "0s"],
  ])("formats %d as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("rejects negative and fractional values", () => {
    expectThrowsCode(() => formatDuration(-1), "INVALID_DURATION");
    expectThrowsCode(() => formatDuration(1.5), "INVALID_DURATION");
  });

  it("property: parse(format(ms)) === ms for every positive duration", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_DURATION_MS }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });

  it("property: a string built from ordered units formats back to the same total", () => {
    const units = ["w", "d", "h", "m", "s", "ms"] as const;
    const arb = fc
      .tuple(...units.map(() => fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined })))
      .filter((counts) => counts.some((c) => c !== undefined));
    fc.assert(
      fc.property(arb, (counts) => {
        const text = counts.map((c, i) => (c === undefined ? "" : `${c}${units[i]}`)).join("");
        const ms = parseDuration(text);
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});

describe("TTL settings", () => {
  it("parses inherit, none and durations", () => {
    expect(parseTtlSetting("inherit")).toEqual({ kind: "inherit" });
    expect(parseTtlSetting("none")).toEqual({ kind: "none" });
    expect(parseTtlSetting("30d")).toEqual({ kind: "duration", ms: 30 * D });
  });

  it("explains the three forms on a bad setting, keeping the cause", () => {
    const err = errorOf(() => parseTtlSetting("forever"));
    expect(err.code).toBe("INVALID_DURATION");
    expect(err.message).toMatch(/"inherit".*"none".*duration/);
    expect(isCairnError(err.cause, "INVALID_DURATION")).toBe(true);
  });

  it("formats settings back to what the parser reads", () => {
    for (const text of ["inherit", "none", "30d", "1d12h"]) {
      expect(formatTtlSetting(parseTtlSetting(text))).toBe(text);
    }
  });

  it("validates settings crossing a boundary", () => {
    expect(ttlSettingSchema.safeParse({ kind: "duration", ms: 1000 }).success).toBe(true);
    expect(ttlSettingSchema.safeParse({ kind: "duration", ms: 0 }).success).toBe(false);
    expect(ttlSettingSchema.safeParse({ kind: "never" }).success).toBe(false);
  });
});

describe("effectiveExpiry", () => {
  const createdAt = new Date("2026-01-01T00:00:00.000Z");
  const week = { kind: "duration", ms: 7 * D } as const;
  const day = { kind: "duration", ms: D } as const;

  it("uses the version's own duration over the collection default", () => {
    expect(effectiveExpiry({ versionTtl: day, collectionDefaultTtl: week, createdAt })).toEqual(
      new Date("2026-01-02T00:00:00.000Z"),
    );
  });

  it("lets a version opt out with none even when the collection has a default", () => {
    expect(
      effectiveExpiry({ versionTtl: { kind: "none" }, collectionDefaultTtl: week, createdAt }),
    ).toBeNull();
  });

  it("inherits the collection default", () => {
    expect(
      effectiveExpiry({ versionTtl: { kind: "inherit" }, collectionDefaultTtl: week, createdAt }),
    ).toEqual(new Date("2026-01-08T00:00:00.000Z"));
  });

  it("never expires when inheriting nothing", () => {
    for (const collectionDefaultTtl of [
      null,
      { kind: "none" } as const,
      { kind: "inherit" } as const,
    ]) {
      expect(
        effectiveExpiry({ versionTtl: { kind: "inherit" }, collectionDefaultTtl, createdAt }),
      ).toBeNull();
    }
  });

  it("rejects an invalid creation date", () => {
    expect(
      errorOf(() =>
        effectiveExpiry({ versionTtl: day, collectionDefaultTtl: null, createdAt: new Date("x") }),
      ).code,
    ).toBe("INVALID_INPUT");
  });
});

describe("expiryDecision", () => {
  const now = new Date("2026-06-01T12:00:00.000Z");
  const before = new Date(now.getTime() - 1);
  const after = new Date(now.getTime() + 1);

  it.each([
    [null, [], "keep"],
    [null, ["latest"], "keep"],
    [after, [], "keep"],
    [after, ["best"], "keep"],
    [now, [], "delete"],
    [before, [], "delete"],
    [before, ["latest"], "blocked-by-aliases"],
    [now, ["production", "best"], "blocked-by-aliases"],
  ] as const)("expiresAt %s with aliases %j → %s", (expiresAt, aliases, decision) => {
    expect(expiryDecision({ version: { expiresAt, aliases }, now })).toBe(decision);
  });
});

describe("assertDeletable", () => {
  it("allows a version without aliases, or when told to delete them", () => {
    expect(() => assertDeletable({ aliases: [] })).not.toThrow();
    expect(() => assertDeletable({ aliases: ["latest"], deleteAliases: true })).not.toThrow();
  });

  it("names the aliases and how to proceed", () => {
    const err = errorOf(() =>
      assertDeletable({
        aliases: ["latest", "production"],
        deleteAliases: false,
        version: "cats:v3",
      }),
    );
    expect(err.code).toBe("ALIASES_STILL_ATTACHED");
    expect(err.message).toContain('"latest", "production"');
    expect(err.message).toContain("cats:v3");
    expect(err.message).toContain("deleteAliases: true");
    expect(err.message).toContain("--delete-aliases");
    expect(err.details).toEqual({ aliases: ["latest", "production"] });
  });
});
