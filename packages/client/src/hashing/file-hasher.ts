import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { CairnError, isCairnError } from "@cairn/core";
import { createProgressTracker, type ProgressListener } from "../progress.js";
import { DigestCache } from "./digest-cache.js";
import { hashFileSync, type RawHashError, type RawHashResult } from "./hash-file-sync.js";
import { createHashPool, HASH_CHUNK_BYTES, type HashPool } from "./hash-pool.js";

/** The digest of one local file. */
export interface FileHashResult {
  /** Absolute path of the file. */
  path: string;
  /** Lowercase hex SHA-256 of its bytes. */
  digest: string;
  size: number;
  mtimeMs: number;
  /** True when the digest came from the persistent cache (the file was not read). */
  cached: boolean;
}

/** Options of {@link createFileHasher}. */
export interface FileHasherOptions {
  /** Directory of the persistent digest cache; `null` disables it. Default: no cache. */
  cacheDir?: string | null;
  /** Worker threads; default `availableParallelism()`. */
  concurrency?: number;
  /**
   * Files modified less than this many milliseconds before hashing began are not cached: a write
   * in the same mtime tick as the hash would leave size and mtime unchanged (git's "racily clean"
   * problem). Default 2000 (FAT's 2 s mtime granularity).
   */
  racyWindowMs?: number;
  /** Jobs with at most this many files AND bytes are hashed on the main thread (no worker start-up). */
  smallJob?: { files: number; bytes: number };
}

/** Hashes local files with SHA-256 on all cores, skipping unchanged files known to the cache. */
export interface FileHasher {
  /** Hashes `paths` (results in the same order). Throws CairnError on a missing or changing file. */
  hashFiles(
    paths: readonly string[],
    options?: {
      onProgress?: ProgressListener | undefined;
      /**
       * Receives the files read (not those known to the digest cache) while hashing goes on, a
       * worker batch at a time, so a caller can start using digests before every file is hashed.
       */
      onHashed?: ((results: readonly FileHashResult[]) => void) | undefined;
    },
  ): Promise<FileHashResult[]>;
  /** Hashes one file. */
  hashFile(path: string): Promise<FileHashResult>;
  /** Saves the cache and stops the worker threads. */
  close(): Promise<void>;
}

/** Name of the digest cache file inside the cache directory. */
export const DIGEST_CACHE_FILE = "digests-v1.ndjson";

// A batch is sent to one worker; batching amortises message passing for many small files.
const BATCH_FILES = 64;
const BATCH_BYTES = 8 * 1024 * 1024;

/** Creates a {@link FileHasher}. Workers start on the first job large enough to need them. */
export function createFileHasher(options: FileHasherOptions = {}): FileHasher {
  const cache = options.cacheDir
    ? new DigestCache(join(options.cacheDir, DIGEST_CACHE_FILE))
    : undefined;
  const racyWindowMs = options.racyWindowMs ?? 2000;
  const smallJob = options.smallJob ?? { files: 64, bytes: 4 * 1024 * 1024 };
  const concurrency = Math.max(1, options.concurrency ?? availableParallelism());
  let pool: HashPool | undefined;
  let mainBuffer: Buffer | undefined;

  const hashOnMain = (paths: string[]): Array<RawHashResult | RawHashError> => {
    mainBuffer ??= Buffer.allocUnsafe(HASH_CHUNK_BYTES);
    const buffer = mainBuffer;
    return paths.map((p) => hashFileSync(fs, crypto, p, buffer));
  };

  const hashFiles: FileHasher["hashFiles"] = async (inputPaths, opts = {}) => {
    const startedAt = Date.now();
    const paths = inputPaths.map((p) => resolve(p));
    const stats = await statFiles(paths);
    await cache?.load();
    const results: Array<FileHashResult | undefined> = new Array(paths.length);
    const todo: number[] = [];
    for (let i = 0; i < paths.length; i++) {
      const s = stats[i]!;
      const cachedDigest = cache?.get(paths[i]!, s);
      if (cachedDigest) {
        results[i] = {
          path: paths[i]!,
          digest: cachedDigest,
          size: s.size,
          mtimeMs: s.mtimeMs,
          cached: true,
        };
      } else {
        todo.push(i);
      }
    }

    const bytesTotal = stats.reduce((sum, s) => sum + s.size, 0);
    const tracker = createProgressTracker({
      phase: "hash",
      filesTotal: paths.length,
      bytesTotal,
      onProgress: opts.onProgress,
    });
    tracker.advance(
      paths.length - todo.length,
      bytesTotal - todo.reduce((n, i) => n + stats[i]!.size, 0),
    );

    const accept = (index: number, raw: RawHashResult | RawHashError): void => {
      const path = paths[index]!;
      if ("error" in raw) throw hashError(path, raw.error);
      if (raw.changed) {
        throw new CairnError(
          "CONFLICT",
          `The file ${path} changed while it was being logged (its size, modification time or inode differ before and after reading). Retry when the file is stable, e.g. after the process writing it has finished.`,
          { details: { path } },
        );
      }
      results[index] = {
        path,
        digest: raw.digest,
        size: raw.size,
        mtimeMs: raw.mtimeMs,
        cached: false,
      };
      if (cache && raw.mtimeMs < startedAt - racyWindowMs) {
        cache.set(path, { size: raw.size, mtimeMs: raw.mtimeMs, ino: raw.ino }, raw.digest);
      }
      tracker.advance(1, raw.size);
    };

    const report = (indexes: number[]): void => {
      if (opts.onHashed && indexes.length > 0) opts.onHashed(indexes.map((i) => results[i]!));
    };

    const todoBytes = todo.reduce((n, i) => n + stats[i]!.size, 0);
    if (todo.length <= smallJob.files && todoBytes <= smallJob.bytes) {
      const raws = hashOnMain(todo.map((i) => paths[i]!));
      for (let k = 0; k < todo.length; k++) accept(todo[k]!, raws[k]!);
      report(todo);
    } else {
      pool ??= createHashPool(concurrency);
      const batches: number[][] = [];
      let current: number[] = [];
      let currentBytes = 0;
      for (const i of todo) {
        current.push(i);
        currentBytes += stats[i]!.size;
        if (current.length >= BATCH_FILES || currentBytes >= BATCH_BYTES) {
          batches.push(current);
          current = [];
          currentBytes = 0;
        }
      }
      if (current.length > 0) batches.push(current);
      const activePool = pool;
      await Promise.all(
        batches.map(async (batch) => {
          const raws = await activePool.hashBatch(batch.map((i) => paths[i]!));
          for (let k = 0; k < batch.length; k++) accept(batch[k]!, raws[k]!);
          report(batch);
        }),
      );
    }
    tracker.finish();
    await cache?.save();
    return results as FileHashResult[];
  };

  return {
    hashFiles,
    async hashFile(path) {
      const [result] = await hashFiles([path]);
      return result!;
    },
    async close() {
      await cache?.save();
      await pool?.close();
      pool = undefined;
    },
  };
}

/**
 * Stats every file. Synchronous `statSync` in slices of 512 with a yield between them: measured 2×
 * faster than 10,000 concurrent `fs.promises.stat` calls (libuv's 4-thread pool), and the event
 * loop still breathes.
 */
async function statFiles(
  paths: string[],
): Promise<Array<{ size: number; mtimeMs: number; ino: number }>> {
  const out: Array<{ size: number; mtimeMs: number; ino: number }> = [];
  for (let i = 0; i < paths.length; i++) {
    if (i > 0 && i % 512 === 0) await new Promise((r) => setImmediate(r));
    out.push(statFile(paths[i]!));
  }
  return out;
}

function statFile(path: string): { size: number; mtimeMs: number; ino: number } {
  try {
    const s = fs.statSync(path);
    if (!s.isFile()) {
      throw new CairnError(
        "INVALID_PATH",
        `${path} is not a regular file: only files can be hashed. Add directories with addDir().`,
        {
          details: { path },
        },
      );
    }
    return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  } catch (err) {
    if (isCairnError(err)) throw err;
    throw hashError(path, err as { code?: string; message?: string });
  }
}

function hashError(
  path: string,
  err: { code?: string | undefined; message?: string | undefined },
): CairnError {
  if (err.code === "ENOENT") {
    return new CairnError(
      "NOT_FOUND",
      `The file ${path} does not exist (it may have been deleted since it was added). Check the path, or remove it from the artifact.`,
      {
        details: { path },
        cause: err,
      },
    );
  }
  if (err.code === "ENOTFILE") {
    return new CairnError(
      "INVALID_PATH",
      `${path} is not a regular file: only files can be hashed.`,
      { details: { path } },
    );
  }
  return new CairnError(
    "LOCAL_IO",
    `Could not read the file ${path} (${err.code ?? "error"}: ${err.message ?? "unknown"}). Check that it is readable.`,
    {
      details: { path },
      cause: err,
    },
  );
}
