import { z } from "zod";
import { CairnError } from "./errors.js";

/**
 * The event contract of automations (issue 20), shared by the server that emits and delivers
 * events, the SSE stream and the client that reads them: the kinds, the JSON shape (as signed and
 * delivered to webhooks and streamed), and the webhook filter rules.
 */

/** Every kind of event Cairn emits. */
export const EVENT_KINDS = [
  "version.created",
  "alias.moved",
  "version.deleted",
  "version.expired",
  "draft.finished",
  "draft.failed",
] as const;
/** One kind of event. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** A version as events name it: exact reference and content digest. */
export interface EventVersion {
  /** `vN`. */
  version: string;
  /** `entity/project/name:vN`. */
  ref: string;
  /** The version digest (of its contents). */
  digest: string;
}

/** What an event is about. Fields not relevant to a kind are absent. */
export interface EventData {
  entity: string;
  project: string;
  /** Artifact name. */
  name: string;
  /** Artifact type. */
  type: string;
  /** The version the event is about (for `alias.moved`: the new target; absent when removed). */
  version?: EventVersion;
  /** `alias.moved`: the alias. */
  alias?: string;
  /** `alias.moved`: where the alias pointed before (null when newly set). */
  from?: EventVersion | null;
  /** `alias.moved`: where it points now (null when the alias was removed). */
  to?: EventVersion | null;
  /** `draft.*`: the draft's distributed id. */
  distributedId?: string;
  /** `draft.failed`: why. */
  error?: { code: string; message: string };
}

/**
 * One event, exactly as delivered to a webhook (the signed body) and as an SSE `data:` line.
 * The shape follows the Standard Webhooks recommendation (`type`, `timestamp`, `data`).
 */
export interface CairnEvent {
  /** `evt_…`, stable across redeliveries (also the `webhook-id` header). */
  id: string;
  type: EventKind;
  /** ISO 8601, when the change committed. */
  timestamp: string;
  /** Position in the project's stream (resume with `Last-Event-ID`). */
  seq: number;
  /** The user who made the change (null for sweeps such as TTL expiry). */
  actor: { id: string; name: string } | null;
  data: EventData;
}

/** True when `kind` is one of {@link EVENT_KINDS}. */
export function isEventKind(kind: unknown): kind is EventKind {
  return typeof kind === "string" && (EVENT_KINDS as readonly string[]).includes(kind);
}

/** Zod schema of an event kind (for inputs that filter by kind). */
export const eventKindSchema = z.enum(EVENT_KINDS);

/** Longest filter pattern. */
export const MAX_PATTERN_LENGTH = 128;
const PATTERN = /^[A-Za-z0-9_.*?-]+$/;

/**
 * Validates a filter pattern: a glob over names (`*` any run, `?` one character) made of the
 * characters names and aliases use. Globs, not regular expressions: a user-supplied regex runs on
 * the delivery path for every event and can be made to backtrack for seconds (ReDoS).
 */
export function validatePattern(pattern: string, what: string): string {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH || !PATTERN.test(pattern)) {
    throw new CairnError(
      "INVALID_INPUT",
      `${what} pattern ${JSON.stringify(pattern)} is not valid: use 1-${MAX_PATTERN_LENGTH} letters, digits, '_', '-', '.', with '*' (any run) and '?' (one character), e.g. "prod*".`,
      { details: { pattern } },
    );
  }
  return pattern;
}

/** True when `value` matches the glob `pattern` (whole string, case-sensitive). Linear time. */
export function globMatches(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    const c = pattern[p];
    if (c === "?" || (c !== undefined && c !== "*" && c === value[v])) {
      p += 1;
      v += 1;
    } else if (c === "*") {
      star = p;
      mark = v;
      p += 1;
    } else if (star >= 0) {
      p = star + 1;
      mark += 1;
      v = mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p += 1;
  return p === pattern.length;
}

/** A webhook's filters; an absent filter matches everything. */
export interface HookFilter {
  /** Kinds delivered; empty = all. */
  kinds: readonly string[];
  namePattern: string | null;
  typePattern: string | null;
  /** Only events about an alias matching it (so only `alias.moved`). */
  aliasPattern: string | null;
}

/** True when an event passes a webhook's filters. */
export function hookMatches(filter: HookFilter, event: Pick<CairnEvent, "type" | "data">): boolean {
  if (filter.kinds.length > 0 && !filter.kinds.includes(event.type)) return false;
  if (filter.namePattern !== null && !globMatches(filter.namePattern, event.data.name)) {
    return false;
  }
  if (filter.typePattern !== null && !globMatches(filter.typePattern, event.data.type)) {
    return false;
  }
  if (filter.aliasPattern !== null) {
    if (event.data.alias === undefined || !globMatches(filter.aliasPattern, event.data.alias)) {
      return false;
    }
  }
  return true;
}
