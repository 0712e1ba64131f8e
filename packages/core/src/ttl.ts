import { z } from "zod";
import { CairnError } from "./errors.js";

/**
 * Time-to-live arithmetic for artifact versions: duration strings, TTL settings (a version's own,
 * or inherited from its collection's default), expiry dates and the alias guard on deletion.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Duration units, largest first; a duration string lists them in this order, each at most once. */
export const DURATION_UNITS = [
  { unit: "w", ms: WEEK },
  { unit: "d", ms: DAY },
  { unit: "h", ms: HOUR },
  { unit: "m", ms: MINUTE },
  { unit: "s", ms: SECOND },
  { unit: "ms", ms: 1 },
] as const;

/**
 * Longest accepted duration: 100 years. Far beyond any retention policy, it catches unit slips
 * ("30000000d") and keeps `createdAt + ttl` a valid Date.
 */
export const MAX_DURATION_MS = 36_500 * DAY;

const ACCEPTED_FORMS =
  'accepted forms: a positive integer followed by a unit w, d, h, m, s or ms, optionally combined from largest to smallest unit, e.g. "30d", "12h", "90m", "45s", "2w", "1d12h"';

// "ms" must come before "m" so "500ms" is not read as 500 minutes followed by "s".
const TOKEN = /(\d+)(ms|w|d|h|m|s)/y;

/** Parses a duration such as `"30d"`, `"1d12h"` or `"90m"` into milliseconds. */
export function parseDuration(input: string): number {
  const fail = (why: string): never => {
    throw new CairnError(
      "INVALID_DURATION",
      `duration ${JSON.stringify(input)} ${why}; ${ACCEPTED_FORMS}.`,
      {
        details: { input },
      },
    );
  };
  if (typeof input !== "string" || input.length === 0) return fail("is empty");
  const text = input.trim();
  let total = 0;
  let position = 0;
  let lastRank = -1;
  while (position < text.length) {
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(text);
    if (match === null) return fail(`cannot be read at "${text.slice(position)}"`);
    const [whole, digits, unit] = match as unknown as [string, string, string];
    const rank = DURATION_UNITS.findIndex((u) => u.unit === unit);
    if (rank <= lastRank) return fail(`repeats or misorders unit "${unit}"`);
    lastRank = rank;
    total += Number(digits) * DURATION_UNITS[rank]!.ms;
    position += whole.length;
  }
  if (total === 0) return fail('is zero; a TTL must be positive (use "none" for no expiry)');
  if (!Number.isSafeInteger(total) || total > MAX_DURATION_MS) {
    return fail("is longer than 36500d (100 years)");
  }
  return total;
}

/**
 * Formats milliseconds as the shortest duration string that {@link parseDuration} reads back to the
 * same value: whole weeks as `"2w"`, otherwise days and smaller (`"30d"`, `"1d12h"`), `"0s"` for 0.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new CairnError(
      "INVALID_DURATION",
      `cannot format ${String(ms)} ms; give a non-negative integer number of milliseconds.`,
    );
  }
  if (ms === 0) return "0s";
  // Weeks only when exact: "30d" reads better than "4w2d".
  if (ms % WEEK === 0) return `${String(ms / WEEK)}w`;
  let rest = ms;
  let out = "";
  for (const { unit, ms: size } of DURATION_UNITS) {
    if (unit === "w") continue;
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${String(count)}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

/**
 * A TTL setting: `inherit` the collection's default, `none` (never expires) or a duration counted
 * from the version's creation.
 */
export type TtlSetting =
  | { readonly kind: "inherit" }
  | { readonly kind: "none" }
  | { readonly kind: "duration"; readonly ms: number };

/** Zod schema of a {@link TtlSetting}, for values crossing a process boundary. */
export const ttlSettingSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("inherit") }),
  z.object({ kind: z.literal("none") }),
  z.object({
    kind: z.literal("duration"),
    ms: z.number().int().positive().max(MAX_DURATION_MS),
  }),
]);

/** Parses `"inherit"`, `"none"` or a duration string (see {@link parseDuration}). */
export function parseTtlSetting(input: string): TtlSetting {
  const text = typeof input === "string" ? input.trim() : input;
  if (text === "inherit") return { kind: "inherit" };
  if (text === "none") return { kind: "none" };
  try {
    return { kind: "duration", ms: parseDuration(text) };
  } catch (err) {
    throw new CairnError(
      "INVALID_DURATION",
      `TTL ${JSON.stringify(input)} is not valid; give "inherit" (use the collection default), ` +
        `"none" (never expire) or a duration. ${ACCEPTED_FORMS}.`,
      { cause: err, details: { input } },
    );
  }
}

/** The string form of a {@link TtlSetting}, as {@link parseTtlSetting} reads it. */
export function formatTtlSetting(setting: TtlSetting): string {
  return setting.kind === "duration" ? formatDuration(setting.ms) : setting.kind;
}

/**
 * When a version expires: its own TTL wins unless it is `inherit`, in which case the collection's
 * default applies (`inherit` or `null` there means no default). Null when it never expires.
 */
export function effectiveExpiry(input: {
  readonly versionTtl: TtlSetting;
  readonly collectionDefaultTtl: TtlSetting | null;
  readonly createdAt: Date;
}): Date | null {
  const { createdAt } = input;
  if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) {
    throw new CairnError(
      "INVALID_INPUT",
      "createdAt is not a valid Date; pass the version's creation time.",
    );
  }
  const setting =
    input.versionTtl.kind === "inherit" ? input.collectionDefaultTtl : input.versionTtl;
  if (setting === null || setting.kind !== "duration") return null;
  return new Date(createdAt.getTime() + setting.ms);
}

/** What the TTL sweep does with one version. */
export type ExpiryDecision = "keep" | "delete" | "blocked-by-aliases";

/**
 * Decides a version's fate at `now`: `keep` until it expires (and forever without expiry);
 * then `delete`, unless aliases still point at it: expiry never removes an aliased version
 * (the alias guard), so it is `blocked-by-aliases` until the aliases move or are removed.
 */
export function expiryDecision(input: {
  readonly version: { readonly expiresAt: Date | null; readonly aliases: readonly string[] };
  readonly now: Date;
}): ExpiryDecision {
  const { expiresAt, aliases } = input.version;
  if (expiresAt === null || expiresAt.getTime() > input.now.getTime()) return "keep";
  return aliases.length > 0 ? "blocked-by-aliases" : "delete";
}

/**
 * Guards an explicit delete: a version that still has aliases is only deleted when the caller says
 * so with `deleteAliases: true`, else ALIASES_STILL_ATTACHED naming the aliases.
 */
export function assertDeletable(input: {
  readonly aliases: readonly string[];
  readonly deleteAliases?: boolean;
  /** How to name the version in the message, e.g. `"cats:v3"`. */
  readonly version?: string;
}): void {
  const { aliases } = input;
  if (aliases.length === 0 || input.deleteAliases === true) return;
  const names = aliases.map((a) => `"${a}"`).join(", ");
  const what = input.version === undefined ? "this version" : `version ${input.version}`;
  throw new CairnError(
    "ALIASES_STILL_ATTACHED",
    `${what} still has alias${aliases.length === 1 ? "" : "es"} ${names}; move or remove ` +
      "them first, or pass deleteAliases: true (CLI: --delete-aliases) to delete them with it.",
    { details: { aliases: [...aliases] } },
  );
}
