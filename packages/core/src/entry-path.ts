import { CairnError } from "./errors.js";
import { quoteValue } from "./names.js";

/**
 * Entry paths: where a file sits inside an artifact. One canonical spelling per path (POSIX
 * separators, NFC) so that the same content on Windows and Linux, or typed by macOS (NFD file
 * names), produces the same manifest and digest; and no spelling that could escape the download
 * root (`..`, absolute paths, drive letters).
 */

/** Longest entry path, in UTF-8 bytes (the S3 object-key limit, so every path fits a key). */
export const MAX_ENTRY_PATH_BYTES = 1024;
/** Longest path segment, in UTF-8 bytes (the file-name limit of ext4, APFS and NTFS). */
export const MAX_ENTRY_SEGMENT_BYTES = 255;

const PATH_RULES =
  'An entry path is relative and uses "/" between segments (e.g. "images/cat.png"); it has no ".." or empty segments, no trailing "/", no control characters, at most 1024 UTF-8 bytes and at most 255 bytes per segment.';

// C0/C1 controls, DEL, and lone surrogates (which cannot be encoded as UTF-8).
const CONTROL_RE = /[\p{Cc}\p{Cs}]/u;
const DRIVE_RE = /^[A-Za-z]:/;
const encoder = new TextEncoder();

function fail(path: unknown, reason: string): never {
  throw new CairnError(
    "INVALID_PATH",
    `Invalid entry path ${quoteValue(path)}: ${reason}. ${PATH_RULES}`,
    {
      details: { path, reason },
    },
  );
}

/**
 * Normalises a path inside an artifact to its canonical form and rejects unsafe ones.
 *
 * - `\` becomes `/` (Windows paths), Unicode is normalised to NFC;
 * - `.` segments are dropped (`./a/./b` → `a/b`);
 * - rejected with INVALID_PATH, saying why: empty paths, absolute paths (`/x`, `C:\x`, `C:/x`),
 *   `..` segments, empty segments (`a//b`), a trailing `/`, NUL and control characters, paths over
 *   {@link MAX_ENTRY_PATH_BYTES} bytes and segments over {@link MAX_ENTRY_SEGMENT_BYTES} bytes.
 *
 * The result is a fixed point: `normalizeEntryPath(normalizeEntryPath(p)) === normalizeEntryPath(p)`.
 */
export function normalizeEntryPath(path: string): string {
  if (typeof path !== "string") fail(path, "it must be a string");
  if (path.length === 0) fail(path, "it is empty");
  const control = CONTROL_RE.exec(path);
  if (control) {
    const cp = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    fail(path, `it contains the control character U+${cp}`);
  }
  const slashed = path.replaceAll("\\", "/");
  if (slashed.startsWith("/")) fail(path, 'it is absolute; remove the leading "/"');
  if (slashed.endsWith("/")) fail(path, 'it ends with "/"; name a file, not a directory');

  const segments: string[] = [];
  for (const segment of slashed.normalize("NFC").split("/")) {
    if (segment === "") fail(path, 'it has an empty segment ("//")');
    if (segment === "..")
      fail(path, 'it has a ".." segment, which could point outside the artifact');
    if (segment === ".") continue;
    const bytes = encoder.encode(segment).length;
    if (bytes > MAX_ENTRY_SEGMENT_BYTES) {
      fail(path, `a segment is ${bytes} UTF-8 bytes long, more than ${MAX_ENTRY_SEGMENT_BYTES}`);
    }
    segments.push(segment);
  }
  if (segments.length === 0) fail(path, "it names the artifact root, not a file");

  const normalized = segments.join("/");
  // Checked after "." segments are dropped, so "./C:x" is refused like "C:x" (and the result stays
  // a fixed point).
  if (DRIVE_RE.test(normalized))
    fail(path, "it starts with a drive letter; give a path relative to the artifact root");
  const bytes = encoder.encode(normalized).length;
  if (bytes > MAX_ENTRY_PATH_BYTES) {
    fail(path, `it is ${bytes} UTF-8 bytes long, more than ${MAX_ENTRY_PATH_BYTES}`);
  }
  return normalized;
}

/**
 * Joins a prefix (a directory inside the artifact, e.g. the `name` of `addDir`) and a path relative
 * to it, and normalises the result. Both parts must be valid entry paths on their own, so a
 * relative part cannot climb out of its prefix with `..`.
 */
export function joinEntryPath(prefix: string, relative: string): string {
  const head = normalizeEntryPath(prefix);
  const tail = normalizeEntryPath(relative);
  return normalizeEntryPath(`${head}/${tail}`);
}

/** The last segment of an entry path after normalisation: `images/cat.png` → `cat.png`. */
export function entryBaseName(path: string): string {
  const normalized = normalizeEntryPath(path);
  return normalized.slice(normalized.lastIndexOf("/") + 1);
}
