import { CairnError, type CairnErrorCode } from "./errors.js";

/**
 * Validation of the names users type: artifact names and types, aliases, tags, project and entity
 * names. Every validator returns its input unchanged when it is valid and otherwise throws a
 * {@link CairnError} whose message names the bad value, the rule it breaks and what is allowed.
 * Lengths of free-text values (types, aliases) count Unicode code points, not UTF-16 units, so an
 * emoji counts as one character as users expect.
 */

/** Longest artifact name, in characters. */
export const MAX_ARTIFACT_NAME_LENGTH = 128;
/** Longest artifact type, in characters. */
export const MAX_ARTIFACT_TYPE_LENGTH = 128;
/** Longest alias, in characters. */
export const MAX_ALIAS_LENGTH = 128;
/** Longest tag, in characters. */
export const MAX_TAG_LENGTH = 64;
/** Longest project name, in characters. */
export const MAX_PROJECT_NAME_LENGTH = 128;
/** Longest entity (user or team) name, in characters. */
export const MAX_ENTITY_NAME_LENGTH = 64;
/**
 * Shortest hex string taken as a digest (prefix) in a reference. 16 hex chars = 64 bits, enough to
 * be unambiguous in practice while staying short enough to type.
 */
export const MIN_DIGEST_PREFIX_LENGTH = 16;
/** Longest digest: a full SHA-256 in lowercase hex. */
export const MAX_DIGEST_LENGTH = 64;
/** The alias every log moves to the newest version. */
export const LATEST_ALIAS = "latest";

const ENTITY_RE = /^[a-z0-9][a-z0-9_-]*$/;
const VERSION_ALIAS_RE = /^v\d+$/;
const CANONICAL_VERSION_RE = /^v(0|[1-9]\d*)$/;
const DIGEST_LIKE_RE = /^[0-9a-f]{16,64}$/;
// Control characters (C0, DEL, C1) and lone surrogates: neither can be shown nor UTF-8 encoded.
const CONTROL_RE = /[\p{Cc}\p{Cs}]/u;
const WHITESPACE_RE = /\s/u;

/**
 * Quotes a user-supplied value for an error message: JSON string syntax (so control characters and
 * spaces are visible), shortened past 80 characters so a huge input cannot flood a log line.
 */
export function quoteValue(value: unknown): string {
  if (typeof value !== "string") return `a ${value === null ? "null" : typeof value}`;
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}

function fail(
  code: CairnErrorCode,
  what: string,
  value: unknown,
  rule: string,
  allowed: string,
): never {
  throw new CairnError(code, `Invalid ${what} ${quoteValue(value)}: ${rule}. ${allowed}`, {
    details: { value, rule },
  });
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function firstCharNotIn(s: string, allowed: RegExp): string | undefined {
  for (const ch of s) if (!allowed.test(ch)) return ch;
  return undefined;
}

/** Describes a character for a message, e.g. `"/"` or `U+0009`. */
function describeChar(ch: string): string {
  return CONTROL_RE.test(ch) || WHITESPACE_RE.test(ch)
    ? `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`
    : JSON.stringify(ch);
}

/** Checks a value built from a restricted character set and a length range. */
function checkCharset(
  code: CairnErrorCode,
  what: string,
  value: unknown,
  max: number,
  charRe: RegExp,
  allowed: string,
): string {
  if (typeof value !== "string") fail(code, what, value, "it must be a string", allowed);
  if (value.length === 0) fail(code, what, value, "it is empty", allowed);
  const bad = firstCharNotIn(value, charRe);
  if (bad !== undefined) {
    fail(code, what, value, `character ${describeChar(bad)} is not allowed`, allowed);
  }
  if (value.length > max) {
    fail(code, what, value, `it is ${value.length} characters long, more than ${max}`, allowed);
  }
  return value;
}

const NAME_ALLOWED = `An artifact name is 1–${MAX_ARTIFACT_NAME_LENGTH} characters: letters, digits, "_", "-" and "."; it cannot be "." or "..".`;

/** Validates an artifact name (`bike-dataset`, `model.v2`). Throws INVALID_NAME. */
export function validateArtifactName(name: string): string {
  checkCharset(
    "INVALID_NAME",
    "artifact name",
    name,
    MAX_ARTIFACT_NAME_LENGTH,
    /[A-Za-z0-9_.-]/,
    NAME_ALLOWED,
  );
  if (name === "." || name === "..") {
    fail("INVALID_NAME", "artifact name", name, "it would be read as a directory", NAME_ALLOWED);
  }
  return name;
}

const TYPE_ALLOWED = `An artifact type is free text of 1–${MAX_ARTIFACT_TYPE_LENGTH} characters (e.g. "dataset", "model", "result", "code") without "/", ":" or control characters, and without leading or trailing spaces.`;

/** Validates an artifact type (`dataset`, `model`, free text such as `my type`). Throws INVALID_TYPE. */
export function validateArtifactType(type: string): string {
  const what = "artifact type";
  if (typeof type !== "string")
    fail("INVALID_TYPE", what, type, "it must be a string", TYPE_ALLOWED);
  if (type.length === 0) fail("INVALID_TYPE", what, type, "it is empty", TYPE_ALLOWED);
  const bad = firstCharNotIn(type, /^[^/:\p{Cc}\p{Cs}]$/u);
  if (bad !== undefined) {
    fail("INVALID_TYPE", what, type, `character ${describeChar(bad)} is not allowed`, TYPE_ALLOWED);
  }
  if (type.trim() !== type) {
    fail("INVALID_TYPE", what, type, "it has leading or trailing whitespace", TYPE_ALLOWED);
  }
  const length = codePointLength(type);
  if (length > MAX_ARTIFACT_TYPE_LENGTH) {
    fail(
      "INVALID_TYPE",
      what,
      type,
      `it is ${length} characters long, more than ${MAX_ARTIFACT_TYPE_LENGTH}`,
      TYPE_ALLOWED,
    );
  }
  return type;
}

const ALIAS_ALLOWED = `An alias is 1–${MAX_ALIAS_LENGTH} characters without "/", ":", whitespace or control characters (e.g. "latest", "best-ap50", "production").`;

/**
 * Validates an alias a user may set on a version. Throws INVALID_ALIAS for a malformed alias and
 * RESERVED_ALIAS for `vN` and digest-like strings: those already mean "version N" and "the version
 * with this digest" in a reference, so an alias spelled that way could never be looked up.
 * `latest` is valid (Cairn moves it on every log).
 */
export function validateAlias(alias: string): string {
  const what = "alias";
  if (typeof alias !== "string")
    fail("INVALID_ALIAS", what, alias, "it must be a string", ALIAS_ALLOWED);
  if (alias.length === 0) fail("INVALID_ALIAS", what, alias, "it is empty", ALIAS_ALLOWED);
  const bad = firstCharNotIn(alias, /^[^/:\s\p{Cc}\p{Cs}]$/u);
  if (bad !== undefined) {
    fail(
      "INVALID_ALIAS",
      what,
      alias,
      `character ${describeChar(bad)} is not allowed`,
      ALIAS_ALLOWED,
    );
  }
  const length = codePointLength(alias);
  if (length > MAX_ALIAS_LENGTH) {
    fail(
      "INVALID_ALIAS",
      what,
      alias,
      `it is ${length} characters long, more than ${MAX_ALIAS_LENGTH}`,
      ALIAS_ALLOWED,
    );
  }
  if (isVersionAlias(alias)) {
    fail(
      "RESERVED_ALIAS",
      what,
      alias,
      `"vN" names a version number and is reserved; versions are numbered by Cairn, not set as aliases`,
      `Choose another alias such as "best", "production" or "${alias}-candidate".`,
    );
  }
  if (isDigestLike(alias)) {
    fail(
      "RESERVED_ALIAS",
      what,
      alias,
      `${MIN_DIGEST_PREFIX_LENGTH}–${MAX_DIGEST_LENGTH} lowercase hex characters look like a content digest and are reserved for selecting a version by digest`,
      "Choose an alias that is not only lowercase hex digits, such as a word or a word with a suffix.",
    );
  }
  return alias;
}

const TAG_ALLOWED = `A tag is 1–${MAX_TAG_LENGTH} characters: letters, digits, "_", "-" and ".".`;

/** Validates a tag. Throws INVALID_TAG. */
export function validateTag(tag: string): string {
  return checkCharset("INVALID_TAG", "tag", tag, MAX_TAG_LENGTH, /[A-Za-z0-9_.-]/, TAG_ALLOWED);
}

const PROJECT_ALLOWED = `A project name is 1–${MAX_PROJECT_NAME_LENGTH} characters: letters, digits, "_", "-" and ".", not starting with ".".`;

/** Validates a project name. Throws INVALID_PROJECT. */
export function validateProjectName(project: string): string {
  checkCharset(
    "INVALID_PROJECT",
    "project name",
    project,
    MAX_PROJECT_NAME_LENGTH,
    /[A-Za-z0-9_.-]/,
    PROJECT_ALLOWED,
  );
  if (project.startsWith(".")) {
    fail("INVALID_PROJECT", "project name", project, 'it starts with "."', PROJECT_ALLOWED);
  }
  return project;
}

const ENTITY_ALLOWED = `An entity (user or team) name is 1–${MAX_ENTITY_NAME_LENGTH} characters: lowercase letters, digits, "_" and "-", starting with a letter or digit.`;

/** Validates an entity (user or team) name. Throws INVALID_ENTITY. */
export function validateEntityName(entity: string): string {
  checkCharset(
    "INVALID_ENTITY",
    "entity name",
    entity,
    MAX_ENTITY_NAME_LENGTH,
    /[a-z0-9_-]/,
    ENTITY_ALLOWED,
  );
  if (!ENTITY_RE.test(entity)) {
    fail(
      "INVALID_ENTITY",
      "entity name",
      entity,
      "it must start with a lowercase letter or digit",
      ENTITY_ALLOWED,
    );
  }
  return entity;
}

/** True for any `v` followed by digits (`v0`, `v12`, also `v007`): the spellings reserved for versions. */
export function isVersionAlias(s: string): boolean {
  return typeof s === "string" && VERSION_ALIAS_RE.test(s);
}

/**
 * The version number of a canonical version label: `"v3"` → 3. Returns undefined for anything
 * else, including non-canonical spellings with leading zeros (`v007`) and numbers beyond
 * `Number.MAX_SAFE_INTEGER`, so that every version has exactly one spelling.
 */
export function parseVersionAlias(s: string): number | undefined {
  if (typeof s !== "string" || !CANONICAL_VERSION_RE.test(s)) return undefined;
  const n = Number(s.slice(1));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The label of a version number: 3 → `"v3"`. Throws INVALID_INPUT unless a non-negative safe integer. */
export function formatVersionAlias(version: number): string {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new CairnError(
      "INVALID_INPUT",
      `Invalid version number ${String(version)}: versions are non-negative integers (0, 1, 2, …).`,
      { details: { value: version } },
    );
  }
  return `v${version}`;
}

/** True for 16–64 lowercase hex characters: a digest or digest prefix as written in a reference. */
export function isDigestLike(s: string): boolean {
  return typeof s === "string" && DIGEST_LIKE_RE.test(s);
}
