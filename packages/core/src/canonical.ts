import { CairnError } from "./errors.js";
import type { ManifestEntry } from "./manifest.js";

/**
 * The values canonical JSON can spell: strings, safe integers, booleans, null, and arrays and plain
 * objects of those. Floats are excluded on purpose: `0.1`, `1e-7` and `1.0` have several textual
 * spellings across languages, and a canonical encoding must have exactly one.
 */
export type CanonicalValue =
  | string
  | number
  | boolean
  | null
  | readonly CanonicalValue[]
  | { readonly [key: string]: CanonicalValue | undefined };

/**
 * Orders strings by Unicode code point (the same order as their UTF-8 bytes and as PostgreSQL's
 * `COLLATE "C"` on UTF-8). JavaScript's default `<` and `Array#sort` compare UTF-16 code units,
 * which puts astral characters (U+10000+, stored as surrogates 0xD800–0xDFFF) *before*
 * U+E000–U+FFFF; other languages and databases sort them after, so digests would not match.
 *
 * @returns negative when `a` sorts first, positive when `b` does, 0 when equal.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Lift U+E000–U+FFFF above the surrogate range so astral characters sort after them.
      return codeUnitRank(x) - codeUnitRank(y);
    }
  }
  return a.length - b.length;
}

function codeUnitRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

// Characters that need a closer look: the quote, the backslash and C0 controls (JSON escapes
// them) and surrogates (which must come in pairs). Strings without any take the fast path.
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON must escape exactly these controls.
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** Spells a string as canonical JSON: minimal escapes, everything else literal. */
function canonicalString(value: string, where: string): string {
  if (!NEEDS_CARE.test(value)) return `"${value}"`;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c) {
      const ch = value[i]!;
      out += SHORT_ESCAPES[ch] ?? `\\u00${code.toString(16).padStart(2, "0")}`;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      const next = value.charCodeAt(i + 1); // NaN past the end
      if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) throw loneSurrogate(where);
      out += value.slice(i, i + 2);
      i++;
    } else {
      out += value[i]!;
    }
  }
  return `${out}"`;
}

// A surrogate without its partner cannot be written in UTF-8, so it has no canonical spelling.
function loneSurrogate(where: string): CairnError {
  return new CairnError(
    "INVALID_MANIFEST",
    `${where} contains an unpaired UTF-16 surrogate, which has no UTF-8 encoding; use well-formed Unicode text.`,
    { details: { where } },
  );
}

function canonicalNumber(value: number, where: string): string {
  if (!Number.isSafeInteger(value)) {
    throw new CairnError(
      "INVALID_MANIFEST",
      `${where} is ${String(value)}, but canonical JSON only holds integers between -(2^53-1) and 2^53-1; store other numbers as strings.`,
      { details: { where, value } },
    );
  }
  // `String(-0)` is "0": one spelling for zero.
  return String(value);
}

function encode(value: unknown, where: string): string {
  switch (typeof value) {
    case "string":
      return canonicalString(value, where);
    case "number":
      return canonicalNumber(value, where);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => encode(item, `${where}[${i}]`)).join(",")}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) break;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort(compareCodePoints);
      const parts = keys.map(
        (key) =>
          `${canonicalString(key, `key of ${where}`)}:${encode(record[key], `${where}.${key}`)}`,
      );
      return `{${parts.join(",")}}`;
    }
  }
  throw new CairnError(
    "INVALID_MANIFEST",
    `${where} is ${describe(value)}; canonical JSON allows only strings, safe integers, booleans, null, arrays and plain objects.`,
    { details: { where } },
  );
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "object") return `an instance of ${value?.constructor?.name ?? "object"}`;
  return `a ${typeof value}`;
}

/**
 * Serialises a value as Cairn canonical JSON: object keys sorted by code point
 * ({@link compareCodePoints}), no whitespace, strings with only the escapes JSON requires (`\"`,
 * `\\`, `\b \f \n \r \t`, other controls below U+0020 as `\u00xx` in lowercase hex; every other
 * character literal, including U+2028/U+2029 and non-ASCII), integers in plain decimal. Object
 * keys whose value is `undefined` are omitted, as `JSON.stringify` does.
 *
 * For the allowed values the output is also what `JSON.stringify` produces after sorting keys,
 * so any JSON parser reads it back.
 *
 * @throws CairnError INVALID_MANIFEST for floats, unsafe integers, lone surrogates, `undefined`,
 *   functions, class instances and other values with no canonical spelling.
 */
export function canonicalJson(value: CanonicalValue): string {
  return encode(value, "value");
}

/**
 * The canonical JSON of one manifest entry: the line of the manifest document without its
 * terminating `"\n"`. Keys are `digest`, `extra`, `path`, `ref`, `size` in that (code point)
 * order; `ref` is omitted when absent and `extra` when absent or empty, so `{}` and no extra
 * spell the same entry.
 *
 * @throws CairnError INVALID_MANIFEST when the entry breaks the {@link ManifestEntry} shape (empty
 *   path or digest, negative or non-integer size, empty ref, extra values that are not string,
 *   safe integer, boolean or null).
 */
export function canonicalEntryLine(entry: ManifestEntry): string {
  const { path, digest, size, ref, extra } = entry;
  const where = typeof path === "string" ? `entry "${path}"` : "entry";
  if (typeof path !== "string" || path.length === 0) {
    throw invalidEntry(where, "path", "a non-empty string");
  }
  if (typeof digest !== "string" || digest.length === 0) {
    throw invalidEntry(where, "digest", "a non-empty string");
  }
  if (size !== null && !(Number.isSafeInteger(size) && size >= 0)) {
    throw invalidEntry(where, "size", "a non-negative safe integer or null");
  }
  if (ref !== undefined && (typeof ref !== "string" || ref.length === 0)) {
    throw invalidEntry(where, "ref", "a non-empty string or absent");
  }
  let line = `{"digest":${canonicalString(digest, `${where} digest`)}`;
  if (extra !== undefined) {
    if (typeof extra !== "object" || extra === null || Array.isArray(extra)) {
      throw invalidEntry(where, "extra", "an object of string, integer, boolean or null values");
    }
    const keys = Object.keys(extra)
      .filter((key) => extra[key] !== undefined)
      .sort(compareCodePoints);
    if (keys.length > 0) {
      const parts = keys.map((key) => {
        const value = extra[key];
        if (value !== null && typeof value === "object") {
          throw invalidEntry(where, `extra.${key}`, "a string, integer, boolean or null");
        }
        const encoded = encode(value, `${where} extra.${key}`);
        return `${canonicalString(key, `${where} extra key`)}:${encoded}`;
      });
      line += `,"extra":{${parts.join(",")}}`;
    }
  }
  line += `,"path":${canonicalString(path, `${where} path`)}`;
  if (ref !== undefined) line += `,"ref":${canonicalString(ref, `${where} ref`)}`;
  line += `,"size":${size === null ? "null" : String(size)}}`;
  return line;
}

function invalidEntry(where: string, field: string, allowed: string): CairnError {
  return new CairnError(
    "INVALID_MANIFEST",
    `Manifest ${where}: "${field}" must be ${allowed}; fix the entry before computing its digest.`,
    { details: { where, field } },
  );
}
