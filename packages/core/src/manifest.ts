import { z } from "zod";
import { CairnError } from "./errors.js";

/**
 * Values allowed in an entry's `extra` (provider metadata such as `etag`, `versionID`). Only
 * strings, safe integers, booleans and null: floats are excluded so the canonical encoding has a
 * single spelling for every value.
 */
export const extraValueSchema = z.union([
  z.string(),
  z.number().int().refine(Number.isSafeInteger, "must be a safe integer"),
  z.boolean(),
  z.null(),
]);

/**
 * One entry of an artifact version's manifest.
 * - `path`: the normalised POSIX path inside the artifact (see `normalizeEntryPath`).
 * - `digest`: for stored files, the lowercase hex SHA-256 of the bytes (also the blob address);
 *   for references, the provider checksum (ETag, MD5, SHA-256 of a `file://`) or, with
 *   `checksum: false`, the URI itself.
 * - `size`: bytes, or null when unknown (a reference logged without checksum).
 * - `ref`: the URI of an external reference; absent for stored files.
 * - `extra`: provider metadata (`etag`, `versionID`, …).
 */
export const manifestEntrySchema = z.object({
  path: z.string().min(1),
  digest: z.string().min(1),
  size: z.number().int().nonnegative().nullable(),
  ref: z.string().min(1).optional(),
  extra: z.record(z.string(), extraValueSchema).optional(),
});

export type ManifestEntry = z.infer<typeof manifestEntrySchema>;
export type ExtraValue = z.infer<typeof extraValueSchema>;

const manifestEntriesSchema = z.array(manifestEntrySchema);

/** How many validation problems a parse error lists before summarising the rest. */
const MAX_LISTED_ISSUES = 5;

/**
 * Validates untrusted input (a request body, a JSON file) as a list of manifest entries.
 *
 * @returns the entries, with unknown keys dropped.
 * @throws CairnError INVALID_MANIFEST listing the first problems with their entry index and field;
 *   DUPLICATE_PATH when two entries share a path.
 */
export function parseManifestEntries(input: unknown): ManifestEntry[] {
  const result = manifestEntriesSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => describeIssue(issue, input));
    const listed = issues.slice(0, MAX_LISTED_ISSUES).join("; ");
    const more =
      issues.length > MAX_LISTED_ISSUES ? ` (and ${issues.length - MAX_LISTED_ISSUES} more)` : "";
    throw new CairnError(
      "INVALID_MANIFEST",
      `Invalid manifest: ${listed}${more}. Each entry needs a non-empty "path" and "digest", a "size" that is a non-negative integer or null, an optional non-empty "ref" and an optional "extra" of string, integer, boolean or null values.`,
      { cause: result.error, details: { issues: result.error.issues } },
    );
  }
  const seen = new Set<string>();
  for (const entry of result.data) {
    if (seen.has(entry.path)) {
      throw new CairnError(
        "DUPLICATE_PATH",
        `The manifest has two entries with path "${entry.path}"; each path may appear once. Remove or rename one of them.`,
        { details: { path: entry.path } },
      );
    }
    seen.add(entry.path);
  }
  return result.data;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const [index, ...field] = issue.path;
  if (typeof index !== "number") return `${issue.message} (a manifest is an array of entries)`;
  // The only union in an entry is an `extra` value; zod's own text for it is just "Invalid input".
  const message =
    issue.code === "invalid_union"
      ? "must be a string, safe integer, boolean or null"
      : issue.message;
  const entry = Array.isArray(input) ? (input[index] as { path?: unknown } | undefined) : undefined;
  const label =
    typeof entry?.path === "string" && entry.path.length > 0
      ? `entry ${index} ("${entry.path}")`
      : `entry ${index}`;
  const where = field.length > 0 ? `${label} ${field.map(String).join(".")}` : label;
  return `${where}: ${message}`;
}

/** Size summary of a manifest. */
export interface ManifestTotals {
  /** Number of entries. */
  count: number;
  /** Sum of the known sizes, in bytes (logical: before deduplication, references included). */
  bytes: number;
  /** Entries whose size is unknown (`null`), so `bytes` is a lower bound when this is > 0. */
  unknownSizeCount: number;
}

/** Counts the entries of a manifest and sums their logical sizes. */
export function manifestTotals(entries: Iterable<ManifestEntry>): ManifestTotals {
  const totals: ManifestTotals = { count: 0, bytes: 0, unknownSizeCount: 0 };
  for (const entry of entries) {
    totals.count++;
    if (entry.size === null) totals.unknownSizeCount++;
    else totals.bytes += entry.size;
  }
  return totals;
}

/** One path present in both manifests with different contents. */
export interface ManifestChange {
  path: string;
  before: ManifestEntry;
  after: ManifestEntry;
}

/** What changed from manifest `a` to manifest `b`, by path. */
export interface ManifestDiff {
  /** Entries of `b` whose path is not in `a`, in `b`'s order. */
  added: ManifestEntry[];
  /** Entries of `a` whose path is not in `b`, in `a`'s order. */
  removed: ManifestEntry[];
  /** Paths in both whose digest, size or ref differ, in `a`'s order. */
  changed: ManifestChange[];
}

/**
 * Compares two manifests by path. An entry counts as changed when its `digest`, `size` or `ref`
 * differs; `extra` alone does not count, because it is provider metadata (an ETag re-spelled by a
 * provider) rather than content. Entries keep their input order, so sorted inputs (as stored) give
 * sorted diffs.
 *
 * @throws CairnError DUPLICATE_PATH when either manifest repeats a path.
 */
export function diffManifests(
  a: Iterable<ManifestEntry>,
  b: Iterable<ManifestEntry>,
): ManifestDiff {
  const before = indexByPath(a, "first");
  const after = indexByPath(b, "second");
  const diff: ManifestDiff = { added: [], removed: [], changed: [] };
  for (const [path, entry] of before) {
    const other = after.get(path);
    if (other === undefined) diff.removed.push(entry);
    else if (
      other.digest !== entry.digest ||
      other.size !== entry.size ||
      other.ref !== entry.ref
    ) {
      diff.changed.push({ path, before: entry, after: other });
    }
  }
  for (const [path, entry] of after) {
    if (!before.has(path)) diff.added.push(entry);
  }
  return diff;
}

function indexByPath(
  entries: Iterable<ManifestEntry>,
  which: "first" | "second",
): Map<string, ManifestEntry> {
  const byPath = new Map<string, ManifestEntry>();
  for (const entry of entries) {
    if (byPath.has(entry.path)) {
      throw new CairnError(
        "DUPLICATE_PATH",
        `The ${which} manifest has two entries with path "${entry.path}"; each path may appear once, so it cannot be compared. Remove the duplicate.`,
        { details: { path: entry.path } },
      );
    }
    byPath.set(entry.path, entry);
  }
  return byPath;
}
