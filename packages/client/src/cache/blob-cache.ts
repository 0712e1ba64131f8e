import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  createWriteStream,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from "node:fs";
import {
  chmod,
  copyFile,
  link,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  stat,
  utimes,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CairnError } from "@cairn/core";

/** Cache directories: private to the user (other local users list nothing). */
const CACHE_DIR_MODE = 0o700;
/** Cached blobs: read-only and private (a hard-linked download cannot change the cached copy). */
const CACHE_FILE_MODE = 0o400;
/** Totals of a {@link BlobCache}. */
export interface BlobCacheStats {
  blobs: number;
  bytes: number;
  maxBytes: number | null;
}

/** Options of {@link createBlobCache}. */
export interface BlobCacheOptions {
  /** The cache directory (see `resolveCacheDir`); blobs live under `<dir>/blobs/sha256/`. */
  dir: string;
  /** Size cap in bytes: after each `put`, least recently used blobs are evicted down to it. */
  maxBytes?: number | null;
  /**
   * fsync every blob before it is renamed into place (default false). A cache can be fetched
   * again, so by default it is written like `cp` writes (no per-file fsync, which costs more than
   * the rest of a small-file download); a blob a power loss left short is caught on use: `linkAll`
   * compares every cached blob with the size the manifest gives and refetches a different one.
   */
  durable?: boolean;
}

/** Bytes to store: a Node or web stream, an async iterable of chunks, or a buffer. */
export type BlobSource =
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Uint8Array;

/**
 * A local content-addressed cache of file contents by SHA-256, shared by every artifact the
 * client downloads, so a file already fetched once is linked, not fetched again.
 */
export interface BlobCache {
  /** The cache directory. */
  readonly dir: string;
  /** Absolute path where the blob `digest` is (or would be) stored. */
  pathOf(digest: string): string;
  /** True if the blob is cached (and marks it as recently used). */
  has(digest: string): Promise<boolean>;
  /**
   * Stores bytes under `digest`, hashing them on the way in; a mismatch throws DIGEST_MISMATCH and
   * stores nothing. Written to a temp file and renamed, so readers never see a partial blob.
   * Returns the blob's path.
   */
  put(digest: string, source: BlobSource): Promise<string>;
  /**
   * Places the cached blob at `destPath` (parents created, an existing file replaced): a hard
   * link, or a copy when linking is impossible (another device, a filesystem without links).
   * Throws NOT_FOUND when the blob is not cached.
   */
  linkInto(digest: string, destPath: string): Promise<"link" | "copy">;
  /**
   * {@link linkInto} for many files at once, `"missing"` where the blob is not cached. Made for
   * whole-version downloads: the common case runs as synchronous `stat` + `link` in slices (the
   * event loop still breathes between slices), which is several times faster than thousands of
   * calls queued on libuv's four-thread pool. An item with a `size` whose cached blob has
   * another size (cut short by a crash: the cache does not fsync) is removed and `"missing"`.
   */
  linkAll(
    items: ReadonlyArray<{ digest: string; destPath: string; size?: number | null }>,
  ): Promise<Array<"link" | "copy" | "missing">>;
  /** Count and total size of the cached blobs. */
  stats(): Promise<BlobCacheStats>;
  /** Evicts least recently used blobs until at most `maxBytes` remain; returns what was removed. */
  prune(options: { maxBytes: number }): Promise<{ removedBlobs: number; removedBytes: number }>;
}

const DIGEST_RE = /^[0-9a-f]{64}$/;

/** Files linked between two yields to the event loop in {@link BlobCache.linkAll}. */
const LINK_SLICE = 256;

/** A link refreshes a blob's LRU mark only when the mark is older than this (ms). */
const TOUCH_AFTER_MS = 60_000;

/** link(2) failures that mean "copy instead" (another device, a filesystem without links). */
const LINK_IMPOSSIBLE = new Set(["EXDEV", "EPERM", "ENOTSUP", "EMLINK"]);

function checkDigest(digest: string): string {
  if (!DIGEST_RE.test(digest)) {
    throw new CairnError(
      "INVALID_DIGEST",
      `Invalid blob digest ${JSON.stringify(digest)}: the cache stores files by their SHA-256, 64 lowercase hex characters.`,
      { details: { digest } },
    );
  }
  return digest;
}

function mismatch(digest: string, actual: string): CairnError {
  return new CairnError(
    "DIGEST_MISMATCH",
    `The bytes received for blob ${digest} hash to ${actual}: the download is corrupt or the source changed. Nothing was cached; retry the download.`,
    { details: { expected: digest, actual } },
  );
}

function toReadable(source: BlobSource): Readable {
  if (source instanceof Readable) return source;
  if (source instanceof Uint8Array) return Readable.from([source]);
  if (typeof (source as ReadableStream).getReader === "function") {
    return Readable.fromWeb(source as import("node:stream/web").ReadableStream<Uint8Array>);
  }
  return Readable.from(source as AsyncIterable<Uint8Array>);
}

/**
 * Creates a {@link BlobCache}. Recency is tracked with each blob's atime, set explicitly with
 * `utimes` on every hit (so it works on `noatime`/`relatime` mounts) — no index file to corrupt or
 * to lock between processes. Blobs are made read-only: a hard-linked download shares the inode, so
 * an in-place edit of a downloaded file would otherwise corrupt the cache.
 */
export function createBlobCache(options: BlobCacheOptions): BlobCache {
  const root = join(options.dir, "blobs", "sha256");
  const tmpDir = join(options.dir, "tmp");
  const maxBytes = options.maxBytes ?? null;
  const durable = options.durable ?? false;

  const pathOf = (digest: string): string => {
    checkDigest(digest);
    return join(root, digest.slice(0, 2), digest.slice(2));
  };

  // Directories this cache made (or found): each costs one mkdir per process, not one per blob.
  const madeDirs = new Set<string>();
  const ensureDir = async (dir: string): Promise<void> => {
    if (madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: CACHE_DIR_MODE });
    madeDirs.add(dir);
  };

  /**
   * `put` of bytes already in memory (bundled downloads: at most 1 MiB each). Synchronous file
   * calls: for small blobs, four trips through libuv's thread pool (open, write, close, rename)
   * cost more than the writes themselves.
   */
  const putBytes = async (
    digest: string,
    bytes: Uint8Array,
    tmp: string,
    dest: string,
  ): Promise<void> => {
    await ensureDir(tmpDir);
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== digest) throw mismatch(digest, actual);
    try {
      // Created read-only and private (the descriptor still writes): no separate chmod.
      const fd = openSync(tmp, "wx", CACHE_FILE_MODE);
      try {
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
        if (durable) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      await ensureDir(dirname(dest));
      renameSync(tmp, dest);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  };

  const touch = async (path: string): Promise<void> => {
    const now = new Date();
    const s = await stat(path);
    await utimes(path, now, s.mtime);
  };

  const list = async (): Promise<Array<{ path: string; size: number; atimeMs: number }>> => {
    const out: Array<{ path: string; size: number; atimeMs: number }> = [];
    let shards: string[];
    try {
      shards = await readdir(root);
    } catch {
      return out;
    }
    for (const shard of shards) {
      const names = await readdir(join(root, shard)).catch(() => [] as string[]);
      for (const name of names) {
        const path = join(root, shard, name);
        const s = await stat(path).catch(() => undefined);
        if (s?.isFile()) out.push({ path, size: s.size, atimeMs: s.atimeMs });
      }
    }
    return out;
  };

  const prune: BlobCache["prune"] = async ({ maxBytes: cap }) => {
    const blobs = await list();
    let total = blobs.reduce((n, b) => n + b.size, 0);
    blobs.sort((a, b) => a.atimeMs - b.atimeMs);
    let removedBlobs = 0;
    let removedBytes = 0;
    for (const blob of blobs) {
      if (total <= cap) break;
      await rm(blob.path, { force: true });
      total -= blob.size;
      removedBlobs++;
      removedBytes += blob.size;
    }
    return { removedBlobs, removedBytes };
  };

  const cache: BlobCache = {
    dir: options.dir,
    pathOf,
    async has(digest) {
      try {
        await touch(pathOf(digest));
        return true;
      } catch (err) {
        if ((err as { code?: string }).code === "ENOENT") return false;
        throw err;
      }
    },
    async put(digest, source) {
      const dest = pathOf(digest);
      const tmp = join(tmpDir, `${digest}.${process.pid}.${randomBytes(4).toString("hex")}`);
      if (source instanceof Uint8Array) {
        try {
          await putBytes(digest, source, tmp, dest);
        } catch (err) {
          if ((err as { code?: string }).code !== "ENOENT") throw err;
          // The cache directory was removed under this process: make its folders again.
          madeDirs.clear();
          await putBytes(digest, source, tmp, dest);
        }
        if (maxBytes !== null) await prune({ maxBytes });
        return dest;
      }
      await mkdir(tmpDir, { recursive: true, mode: CACHE_DIR_MODE });
      const hash = createHash("sha256");
      try {
        await pipeline(
          toReadable(source),
          async function* (chunks: AsyncIterable<Uint8Array>) {
            for await (const chunk of chunks) {
              hash.update(chunk);
              yield chunk;
            }
          },
          createWriteStream(tmp, { flush: durable }),
        );
        const actual = hash.digest("hex");
        if (actual !== digest) throw mismatch(digest, actual);
        await chmod(tmp, CACHE_FILE_MODE);
        await mkdir(dirname(dest), { recursive: true, mode: CACHE_DIR_MODE });
        await rename(tmp, dest);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      if (maxBytes !== null) await prune({ maxBytes });
      return dest;
    },
    async linkInto(digest, destPath) {
      const src = pathOf(digest);
      let info: Awaited<ReturnType<typeof stat>>;
      try {
        info = await stat(src);
      } catch (err) {
        throw new CairnError(
          "NOT_FOUND",
          `The blob ${digest} is not in the cache at ${options.dir}: put it (download it) first.`,
          { details: { digest }, cause: err },
        );
      }
      // Recency for LRU eviction: one utimes only when the mark is stale, not one per link.
      if (Date.now() - info.atimeMs > TOUCH_AFTER_MS) await utimes(src, new Date(), info.mtime);
      const dir = dirname(destPath);
      await ensureDir(dir);
      // The common case (nothing at the destination yet) is one link(2).
      try {
        await link(src, destPath);
        return "link";
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "ENOENT") {
          // The directory vanished since this cache made it: make it again, then go the safe way.
          madeDirs.delete(dir);
          await ensureDir(dir);
        } else if (code !== "EEXIST" && !LINK_IMPOSSIBLE.has(code ?? "")) {
          throw err;
        }
      }
      // Link or copy beside the destination, then rename over it: never a half-written file.
      const tmp = `${destPath}.cairn-${randomBytes(4).toString("hex")}.tmp`;
      let how: "link" | "copy" = "link";
      try {
        await link(src, tmp);
      } catch (err) {
        if (!LINK_IMPOSSIBLE.has((err as { code?: string }).code ?? "")) throw err;
        await copyFile(src, tmp);
        // A copy is the user's own file: writable, unlike the read-only blob it came from.
        await chmod(tmp, 0o600);
        how = "copy";
      }
      try {
        await rename(tmp, destPath);
      } finally {
        // rename() is a no-op when both names are links to one inode (dest already linked from
        // this blob): the temp name then survives and must go.
        await rm(tmp, { force: true });
      }
      return how;
    },
    async linkAll(items) {
      const out: Array<"link" | "copy" | "missing"> = [];
      for (let i = 0; i < items.length; i++) {
        if (i > 0 && i % LINK_SLICE === 0) await new Promise((r) => setImmediate(r));
        const { digest, destPath, size } = items[i]!;
        const src = pathOf(digest);
        const info = statSync(src, { throwIfNoEntry: false });
        if (!info) {
          out.push("missing");
          continue;
        }
        if (size != null && info.size !== size) {
          // Torn by a crash before the page cache reached the disk: fetch it again.
          rmSync(src, { force: true });
          out.push("missing");
          continue;
        }
        if (Date.now() - info.atimeMs > TOUCH_AFTER_MS) utimesSync(src, new Date(), info.mtime);
        const dir = dirname(destPath);
        try {
          if (!madeDirs.has(dir)) {
            mkdirSync(dir, { recursive: true });
            madeDirs.add(dir);
          }
          linkSync(src, destPath);
          out.push("link");
        } catch {
          // Something in the way (an old file, a vanished folder, no links here): the careful path.
          madeDirs.delete(dir);
          out.push(await cache.linkInto(digest, destPath));
        }
      }
      return out;
    },
    async stats() {
      const blobs = await list();
      return { blobs: blobs.length, bytes: blobs.reduce((n, b) => n + b.size, 0), maxBytes };
    },
    prune,
  };
  return cache;
}
