import { CairnError } from "./errors.js";
import { quoteValue } from "./names.js";

/**
 * URIs of external references (`addReference`). Only the schemes Cairn knows how to checksum and
 * download are accepted; parsing happens once here so the client's resolvers and the server see
 * the same bucket, key, URL or path.
 */

/** The schemes `addReference` accepts. */
export const REFERENCE_URI_SCHEMES = ["s3", "gs", "http", "https", "file"] as const;
/** A scheme `addReference` accepts. */
export type ReferenceUriScheme = (typeof REFERENCE_URI_SCHEMES)[number];

/**
 * A parsed reference URI.
 * - `s3` / `gs`: `bucket` and `key` (the raw object key or prefix; `""` for the whole bucket).
 * - `http` / `https`: `url`, the WHATWG-normalised URL (`https://Host` → `https://host/`).
 * - `file`: `path`, the percent-decoded absolute local path (`/data/x.csv`, or `C:/data/x.csv`).
 */
export type ParsedReferenceUri =
  | { scheme: "s3" | "gs"; bucket: string; key: string }
  | { scheme: "http" | "https"; url: string }
  | { scheme: "file"; path: string };

/** Shortest bucket name (S3 and GCS). */
export const MIN_BUCKET_NAME_LENGTH = 3;
/** Longest bucket name (S3, and GCS names without dots). */
export const MAX_BUCKET_NAME_LENGTH = 63;

const FORMS =
  "Supported forms: s3://bucket/key, gs://bucket/key, http(s)://host/path, file:///absolute/path.";
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const CONTROL_RE = /[\p{Cc}\p{Cs}]/u;
const encoder = new TextEncoder();

function fail(uri: unknown, reason: string): never {
  throw new CairnError(
    "INVALID_URI",
    `Invalid reference URI ${quoteValue(uri)}: ${reason}. ${FORMS}`,
    {
      details: { uri, reason },
    },
  );
}

/**
 * Validates a bucket name: 3–63 characters of lowercase letters, digits, `.` and `-`, starting and
 * ending with a letter or digit (S3's rules). GCS buckets may also contain `_`, so it is allowed for
 * `gs` only. Throws INVALID_URI.
 */
export function validateBucketName(bucket: string, scheme: "s3" | "gs" = "s3"): string {
  const chars = scheme === "gs" ? /^[a-z0-9._-]+$/ : /^[a-z0-9.-]+$/;
  const allowed = `A bucket name is ${MIN_BUCKET_NAME_LENGTH}–${MAX_BUCKET_NAME_LENGTH} characters of lowercase letters, digits, "." and "-"${scheme === "gs" ? ' (and "_" on gs)' : ""}, starting and ending with a letter or digit.`;
  const bad = (why: string): never => {
    throw new CairnError(
      "INVALID_URI",
      `Invalid bucket name ${quoteValue(bucket)}: ${why}. ${allowed}`,
      {
        details: { bucket, reason: why },
      },
    );
  };
  if (typeof bucket !== "string" || bucket.length === 0) bad("it is empty");
  if (bucket.length < MIN_BUCKET_NAME_LENGTH)
    bad(`it is shorter than ${MIN_BUCKET_NAME_LENGTH} characters`);
  if (bucket.length > MAX_BUCKET_NAME_LENGTH)
    bad(`it is longer than ${MAX_BUCKET_NAME_LENGTH} characters`);
  if (!chars.test(bucket)) bad("it contains a character that is not allowed");
  if (!/^[a-z0-9].*[a-z0-9]$/.test(bucket)) bad("it must start and end with a letter or digit");
  return bucket;
}

function parseBucketUri(uri: string, scheme: "s3" | "gs", rest: string): ParsedReferenceUri {
  if (!rest.startsWith("//")) fail(uri, `${scheme} URIs start with "${scheme}://"`);
  const afterSlashes = rest.slice(2);
  const slash = afterSlashes.indexOf("/");
  const bucket = slash === -1 ? afterSlashes : afterSlashes.slice(0, slash);
  const key = slash === -1 ? "" : afterSlashes.slice(slash + 1);
  if (bucket.length === 0) fail(uri, "the bucket name is missing");
  validateBucketName(bucket, scheme);
  // Object keys are limited to 1024 UTF-8 bytes on both S3 and GCS.
  if (encoder.encode(key).length > 1024)
    fail(uri, "the object key is longer than 1024 UTF-8 bytes");
  return { scheme, bucket, key };
}

function parseHttpUri(uri: string, scheme: "http" | "https"): ParsedReferenceUri {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (cause) {
    throw new CairnError(
      "INVALID_URI",
      `Invalid reference URI ${quoteValue(uri)}: it is not a valid URL. ${FORMS}`,
      {
        cause,
        details: { uri },
      },
    );
  }
  if (url.hostname === "") fail(uri, "the host is missing");
  // Manifests are readable by everyone who can read the project: a password in a URL would leak.
  if (url.username !== "" || url.password !== "") {
    fail(uri, "it contains credentials (user:password@); pass them to the resolver instead");
  }
  return { scheme, url: url.href };
}

function parseFileUri(uri: string, rest: string): ParsedReferenceUri {
  if (!rest.startsWith("//")) fail(uri, 'file URIs name an absolute path: "file:///absolute/path"');
  const afterSlashes = rest.slice(2);
  const slash = afterSlashes.indexOf("/");
  const host = slash === -1 ? afterSlashes : afterSlashes.slice(0, slash);
  if (host !== "" && host.toLowerCase() !== "localhost") {
    fail(uri, `it names the host "${host}"; only local files are supported ("file:///path")`);
  }
  const encodedPath = slash === -1 ? "" : afterSlashes.slice(slash);
  if (encodedPath === "" || encodedPath === "/") fail(uri, "the path is missing");
  if (/[?#]/.test(encodedPath))
    fail(uri, 'it has a query or fragment; encode "?" as %3F and "#" as %23');
  let path: string;
  try {
    path = decodeURIComponent(encodedPath);
  } catch (cause) {
    throw new CairnError(
      "INVALID_URI",
      `Invalid reference URI ${quoteValue(uri)}: bad percent-encoding. ${FORMS}`,
      {
        cause,
        details: { uri },
      },
    );
  }
  if (CONTROL_RE.test(path)) fail(uri, "the path contains a control character");
  // file:///C:/data → C:/data: a Windows drive path, not a directory named "C:" under "/".
  if (/^\/[A-Za-z]:\//.test(path)) path = path.slice(1);
  return { scheme: "file", path };
}

/**
 * Parses the URI of an external reference. The scheme is case-insensitive; anything but
 * `s3`, `gs`, `http`, `https` and `file` is refused with INVALID_URI listing the supported ones.
 */
export function parseReferenceUri(uri: string): ParsedReferenceUri {
  if (typeof uri !== "string" || uri.length === 0) fail(uri, "it is empty");
  if (CONTROL_RE.test(uri)) fail(uri, "it contains a control character");
  const match = SCHEME_RE.exec(uri);
  if (!match) {
    fail(uri, 'it has no scheme; for a local file write "file:///absolute/path"');
  }
  const scheme = match[1]!.toLowerCase();
  const rest = uri.slice(match[0].length);
  switch (scheme) {
    case "s3":
    case "gs":
      return parseBucketUri(uri, scheme, rest);
    case "http":
    case "https":
      return parseHttpUri(uri, scheme);
    case "file":
      return parseFileUri(uri, rest);
    default:
      return fail(
        uri,
        `the scheme "${scheme}" is not supported (supported: ${REFERENCE_URI_SCHEMES.join(", ")})`,
      );
  }
}

/**
 * Writes a parsed reference URI back as a string. `parseReferenceUri(formatReferenceUri(p))` equals
 * `p` for every parsed value.
 */
export function formatReferenceUri(parsed: ParsedReferenceUri): string {
  switch (parsed.scheme) {
    case "s3":
    case "gs":
      return `${parsed.scheme}://${parsed.bucket}/${parsed.key}`;
    case "http":
    case "https":
      return parsed.url;
    case "file": {
      const encoded = parsed.path
        .split("/")
        .map((segment) => encodeURIComponent(segment).replace(/%3A/gi, ":"))
        .join("/");
      return `file://${encoded.startsWith("/") ? "" : "/"}${encoded}`;
    }
  }
}

function lastSegment(path: string): string | undefined {
  const segments = path.split("/").filter((s) => s !== "");
  return segments[segments.length - 1];
}

function decodeSegment(segment: string): string {
  try {
    const decoded = decodeURIComponent(segment);
    // A decoded "/" or "\" (from %2F, %5C) would split one URL segment into two entry segments.
    return /[/\\\p{Cc}]/u.test(decoded) ? segment : decoded;
  } catch {
    return segment;
  }
}

/**
 * The default entry name of a reference: the last non-empty segment of the object key (s3, gs),
 * of the URL path, percent-decoded (http, https; the host when the path is empty), or of the local
 * path (file). For a bucket URI without key, the bucket name.
 */
export function uriBaseName(parsed: ParsedReferenceUri): string {
  switch (parsed.scheme) {
    case "s3":
    case "gs":
      return lastSegment(parsed.key) ?? parsed.bucket;
    case "http":
    case "https": {
      const url = new URL(parsed.url);
      const segment = lastSegment(url.pathname);
      return segment === undefined ? url.hostname : decodeSegment(segment);
    }
    case "file":
      return lastSegment(parsed.path.replaceAll("\\", "/")) ?? parsed.path;
  }
}
