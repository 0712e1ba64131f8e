import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** The identity of a file at one moment: if all of it is unchanged, so are its bytes. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
}

interface Record extends FileIdentity {
  digest: string;
}

/** First line of the cache file; bump the version to invalidate every old cache. */
const HEADER = '{"cairnDigestCache":1}';

/**
 * A persistent map from (absolute path, size, mtimeMs, inode) to SHA-256, so files that did not
 * change since they were last hashed are not read again.
 *
 * Stored as NDJSON (`[path, size, mtimeMs, ino, digest]` per line): compact, and a truncated last
 * line (a crash mid-write, which atomic renames should prevent anyway) loses one record, not the
 * cache. It is loaded on first use and saved atomically (temp file + rename). On save, records
 * another process wrote meanwhile are merged in, so concurrent clients do not erase each other.
 */
export class DigestCache {
  readonly #file: string;
  #records: Map<string, Record> | undefined;
  #loading: Promise<Map<string, Record>> | undefined;
  #dirty = false;

  /** @param file The cache file (e.g. `<cacheDir>/digests-v1.ndjson`); created on first save. */
  constructor(file: string) {
    this.#file = file;
  }

  /** Reads the cache file (once); {@link get} and {@link set} need it loaded. */
  async load(): Promise<void> {
    await this.#load();
  }

  /**
   * The cached digest of `path` if its identity still matches, else undefined. Synchronous so a
   * 100,000-file lookup is a plain loop; before {@link load} it knows nothing.
   */
  get(path: string, identity: FileIdentity): string | undefined {
    const record = this.#records?.get(path);
    if (
      record &&
      record.size === identity.size &&
      record.mtimeMs === identity.mtimeMs &&
      record.ino === identity.ino
    ) {
      return record.digest;
    }
    return undefined;
  }

  /** Records the digest of `path` at `identity` (replacing older records of that path). */
  set(path: string, identity: FileIdentity, digest: string): void {
    this.#records ??= new Map();
    this.#records.set(path, {
      size: identity.size,
      mtimeMs: identity.mtimeMs,
      ino: identity.ino,
      digest,
    });
    this.#dirty = true;
  }

  /** Number of records (loads the cache). */
  async size(): Promise<number> {
    return (await this.#load()).size;
  }

  /** Writes the cache if anything changed since the last save. */
  async save(): Promise<void> {
    if (!this.#dirty || !this.#records) return;
    const onDisk = await readRecords(this.#file);
    for (const [path, record] of onDisk) {
      if (!this.#records.has(path)) this.#records.set(path, record);
    }
    const lines = [HEADER];
    for (const [path, r] of this.#records) {
      lines.push(JSON.stringify([path, r.size, r.mtimeMs, r.ino, r.digest]));
    }
    await mkdir(dirname(this.#file), { recursive: true, mode: 0o700 });
    const tmp = `${this.#file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await writeFile(tmp, `${lines.join("\n")}\n`, { mode: 0o600 });
      await rename(tmp, this.#file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    this.#dirty = false;
  }

  #load(): Promise<Map<string, Record>> {
    if (this.#records) return Promise.resolve(this.#records);
    this.#loading ??= readRecords(this.#file).then((records) => {
      this.#records = records;
      return records;
    });
    return this.#loading;
  }
}

/** Reads a cache file; a missing, foreign or damaged file yields what can be read (maybe nothing). */
async function readRecords(file: string): Promise<Map<string, Record>> {
  const records = new Map<string, Record>();
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return records;
  }
  const lines = text.split("\n");
  if (lines[0] !== HEADER) return records;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    try {
      const [path, size, mtimeMs, ino, digest] = JSON.parse(line) as unknown[];
      if (
        typeof path === "string" &&
        typeof size === "number" &&
        typeof mtimeMs === "number" &&
        typeof ino === "number" &&
        typeof digest === "string" &&
        /^[0-9a-f]{64}$/.test(digest)
      ) {
        records.set(path, { size, mtimeMs, ino, digest });
      }
    } catch {
      // A damaged line costs one re-hash, never a wrong digest.
    }
  }
  return records;
}
