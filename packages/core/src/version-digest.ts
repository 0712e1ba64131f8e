import { canonicalEntryLine, compareCodePoints } from "./canonical.js";
import { CairnError } from "./errors.js";
import type { ManifestEntry } from "./manifest.js";
import { createSha256, type Hasher, type HasherFactory } from "./sha256.js";

export { compareCodePoints } from "./canonical.js";

/**
 * First line of every canonical manifest document. The `v1` names this encoding: any change to it
 * (fields, escaping, ordering) must bump the tag, since every stored version digest depends on it.
 */
export const MANIFEST_HEADER = "cairn-manifest-v1\n";

// Lines are handed to the hasher in batches of about this many UTF-16 units: one `update` per
// entry would cost more in call overhead than hashing when the hasher is `node:crypto`.
const BATCH_UNITS = 64 * 1024;

const HAS_SURROGATE = /[\ud800-\udfff]/;

/**
 * Returns a copy of `entries` sorted by `path` in code point order ({@link compareCodePoints}).
 *
 * @throws CairnError DUPLICATE_PATH naming the path when two entries share one.
 */
export function sortEntries<E extends Pick<ManifestEntry, "path">>(entries: Iterable<E>): E[] {
  const sorted = Array.from(entries);
  // UTF-16 and code point order only disagree when a surrogate (an astral character) is compared
  // with U+E000–U+FFFF. Without astral characters the engine's native comparison (about 3× faster
  // on a million paths) gives the same order.
  if (sorted.some((entry) => HAS_SURROGATE.test(entry.path))) {
    sorted.sort((a, b) => compareCodePoints(a.path, b.path));
  } else {
    sorted.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.path === sorted[i - 1]!.path) throw duplicatePath(sorted[i]!.path);
  }
  return sorted;
}

/**
 * Yields the canonical manifest document in pieces: {@link MANIFEST_HEADER}, then one
 * `canonicalEntryLine(entry) + "\n"` per entry in path order. Concatenated, the pieces are the
 * document whose UTF-8 SHA-256 is the version digest; yielding them lets a 1,000,000-entry
 * manifest be hashed or streamed without building one giant string.
 *
 * @throws CairnError DUPLICATE_PATH, INVALID_MANIFEST (see {@link canonicalEntryLine}).
 */
export function* canonicalManifestChunks(entries: Iterable<ManifestEntry>): Generator<string> {
  const sorted = sortEntries(entries);
  yield MANIFEST_HEADER;
  for (const entry of sorted) yield `${canonicalEntryLine(entry)}\n`;
}

/**
 * Computes an artifact version's digest: the lowercase hex SHA-256 of the UTF-8 bytes of the
 * canonical manifest document. Only the entries count: metadata, description, aliases, tags and
 * TTL never change it, and input order does not matter.
 *
 * @param hasherFactory a SHA-256 engine; defaults to the pure-TypeScript {@link createSha256}.
 * @throws CairnError DUPLICATE_PATH, INVALID_MANIFEST.
 */
export function computeVersionDigest(
  entries: Iterable<ManifestEntry>,
  hasherFactory: HasherFactory = createSha256,
): string {
  const builder = new VersionDigestBuilder(hasherFactory);
  for (const entry of sortEntries(entries)) builder.add(entry);
  return builder.digest();
}

/**
 * Computes a version digest incrementally from entries that arrive already sorted by path in code
 * point order — for example pages of `SELECT … ORDER BY path COLLATE "C"` from PostgreSQL — so a
 * huge manifest is never held in memory. Produces the same digest as {@link computeVersionDigest}.
 *
 * @example
 * const builder = new VersionDigestBuilder(nodeSha256Factory);
 * for await (const page of pages) builder.addAll(page);
 * const digest = builder.digest();
 */
export class VersionDigestBuilder {
  private readonly hasher: Hasher;
  private previousPath: string | undefined;
  private pending = MANIFEST_HEADER;
  private entryCount = 0;
  private result: string | undefined;

  /** @param hasherFactory a SHA-256 engine; defaults to the pure-TypeScript {@link createSha256}. */
  constructor(hasherFactory: HasherFactory = createSha256) {
    this.hasher = hasherFactory();
  }

  /** Number of entries added so far. */
  get count(): number {
    return this.entryCount;
  }

  /**
   * Adds the next entry. Its path must sort strictly after the previous entry's path.
   *
   * @throws CairnError DUPLICATE_PATH when the path repeats the previous one, INVALID_MANIFEST
   *   when it sorts before it or the entry is malformed, INVALID_INPUT after {@link digest}.
   */
  add(entry: ManifestEntry): this {
    if (this.result !== undefined) {
      throw new CairnError(
        "INVALID_INPUT",
        "This VersionDigestBuilder already produced its digest; create a new builder for another manifest.",
      );
    }
    const previous = this.previousPath;
    if (previous !== undefined) {
      const order = compareCodePoints(previous, entry.path);
      if (order === 0) throw duplicatePath(entry.path);
      if (order > 0) {
        throw new CairnError(
          "INVALID_MANIFEST",
          `Manifest entries must arrive sorted by path in Unicode code point order, but "${entry.path}" came after "${previous}". Sort them with sortEntries(), or in SQL with ORDER BY path COLLATE "C".`,
          { details: { path: entry.path, previousPath: previous } },
        );
      }
    }
    this.pending += `${canonicalEntryLine(entry)}\n`;
    this.previousPath = entry.path;
    this.entryCount++;
    if (this.pending.length >= BATCH_UNITS) this.flush();
    return this;
  }

  /** Adds several entries in order (see {@link add}). */
  addAll(entries: Iterable<ManifestEntry>): this {
    for (const entry of entries) this.add(entry);
    return this;
  }

  /** Finishes and returns the version digest (lowercase hex SHA-256); later calls return it again. */
  digest(): string {
    if (this.result === undefined) {
      this.flush();
      this.result = this.hasher.digestHex();
    }
    return this.result;
  }

  private flush(): void {
    if (this.pending.length > 0) this.hasher.update(this.pending);
    this.pending = "";
  }
}

function duplicatePath(path: string): CairnError {
  return new CairnError(
    "DUPLICATE_PATH",
    `The manifest has two entries with path "${path}"; each path may appear once. Remove or rename one of them.`,
    { details: { path } },
  );
}
