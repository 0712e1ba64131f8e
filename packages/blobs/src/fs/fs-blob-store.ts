import { randomUUID } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import type { PackIndex } from "@cairn/core";
import { CairnError } from "@cairn/core";
import { assertByteCount, type HashState, hashingSource, sha256Of } from "../body.js";
import { assertBlobDigest, isBlobDigest, shardedPath } from "../digest.js";
import { createFsPackBackend } from "../packs/fs-pack-backend.js";
import { createPackedStore } from "../packs/packed-store.js";
import { resolveRange } from "../range.js";
import type {
  BlobBody,
  BlobInfo,
  BlobStore,
  ByteRange,
  PutOptions,
  VerifyResult,
} from "../types.js";
import { createDirSyncer } from "./dir-sync.js";
import { createFsMultipart } from "./fs-multipart.js";
import { countRecords, decryptRange, openEncrypted, plainRange } from "./fs-read.js";
import { DIR_MODE, FILE_MODE, sweepTmpDir } from "./fs-tmp.js";
import { encryptStream, type MasterKey, plaintextSize, prepareMasterKey } from "./record-cipher.js";

/** Options of {@link createFsBlobStore}. */
export interface FsBlobStoreOptions {
  /** Directory holding the blobs (`ab/cd/<digest>`) and in-progress writes (`tmp/`). */
  root: string;
  /** A 32-byte AES-256 key (raw, 64 hex or base64 chars): blobs are then encrypted at rest. */
  encryptionKey?: Uint8Array | string;
  /**
   * The pack index (Cairn's database): with it, blobs up to `packThreshold` bytes are appended to
   * pack files in `root/packs/` (see packs/packed-store.ts); without it, one file per blob.
   */
  packIndex?: PackIndex;
  /** Largest blob stored in a pack (default 4 MiB). */
  packThreshold?: number;
  /** A pack file is sealed once it holds this many bytes (default 256 MiB). */
  packTargetBytes?: number;
}

/** Default length at which a pack file is sealed and a new one started. */
export const DEFAULT_FS_PACK_TARGET = 256 * 1024 * 1024;

const SHARD = /^[0-9a-f]{2}$/;

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ENOENT";
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset, null);
    offset += bytesWritten;
  }
}

/**
 * A content-addressed directory: blob `d` lives at `root/d[0:2]/d[2:4]/d`. A write goes to
 * `root/tmp/<random>`, is hashed on the way, fsynced, renamed into place and the directory fsynced:
 * only then does it count as stored, and a failed or mismatched write leaves nothing addressable.
 * With `encryptionKey`, files are AES-256-GCM record-encrypted (see the README for the format).
 * Multipart uploads (relayed by the server: the store cannot presign) are in fs-multipart.ts.
 */
export function createFsBlobStore(options: FsBlobStoreOptions): BlobStore {
  const loose = createLooseFsBlobStore(options);
  if (!options.packIndex) return loose.store;
  return createPackedStore({
    loose: loose.store,
    backend: createFsPackBackend({
      dir: join(options.root, "packs"),
      targetBytes: options.packTargetBytes ?? DEFAULT_FS_PACK_TARGET,
      encrypted: loose.master !== undefined,
      fsyncDir: loose.fsyncDir,
    }),
    index: options.packIndex,
    ...(loose.master ? { master: loose.master } : {}),
    ...(options.packThreshold === undefined ? {} : { threshold: options.packThreshold }),
    // Group commit: write as soon as the previous write is done; what arrived meanwhile goes together.
    batching: { minBatchBytes: 0, maxDelayMs: 0, maxBatchBytes: 64 * 1024 * 1024 },
  });
}

function createLooseFsBlobStore(options: FsBlobStoreOptions): {
  store: BlobStore;
  master: MasterKey | undefined;
  fsyncDir: (dir: string) => Promise<void>;
} {
  const root = options.root;
  const tmpDir = join(root, "tmp");
  // Per-store, so concurrent puts into one directory share fsyncs (see dir-sync.ts).
  const fsyncDir = createDirSyncer();
  const master: MasterKey | undefined =
    options.encryptionKey === undefined ? undefined : prepareMasterKey(options.encryptionKey);
  const pathOf = (digest: string) => {
    assertBlobDigest(digest);
    return join(root, shardedPath(digest));
  };
  const sizeOnDisk = (fileSize: number) => (master ? plaintextSize(fileSize) : fileSize);
  // Directories known to exist: a put costs no mkdir once its shard was seen (two mkdirs per blob
  // were a tenth of the server's time on a million small blobs). The store never removes them;
  // if someone else does, the failed open/rename is retried after a real mkdir.
  const knownDirs = new Set<string>();
  /** `mkdir -p` once per directory; true when this call created it. */
  const ensureDir = async (dir: string, force = false): Promise<boolean> => {
    if (!force && knownDirs.has(dir)) return false;
    const created = await mkdir(dir, { recursive: true, mode: DIR_MODE });
    knownDirs.add(dir);
    return created !== undefined;
  };
  const retryOnMissingDir = async <T>(dir: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      knownDirs.delete(dir);
      if (await ensureDir(dir, true)) await fsyncDir(dirname(dir));
      return op();
    }
  };

  async function openBlob(digest: string): Promise<FileHandle> {
    try {
      return await open(pathOf(digest), "r");
    } catch (error) {
      if (isNotFound(error)) {
        throw new CairnError(
          "NOT_FOUND",
          `Blob ${digest} is not stored; upload it before reading it.`,
          {
            cause: error,
            details: { digest },
          },
        );
      }
      throw error;
    }
  }

  /** The blob's plaintext bytes in `range` (all of them when absent); closes `handle` on failure. */
  async function read(digest: string, handle: FileHandle, range?: ByteRange): Promise<Readable> {
    try {
      const fileSize = (await handle.stat()).size;
      if (!master) return plainRange(handle, resolveRange(range, fileSize));
      const file = await openEncrypted(handle, master, digest);
      countRecords(fileSize, digest); // refuses impossible (truncated) lengths up front
      const size = plaintextSize(fileSize) ?? 0;
      return Readable.from(decryptRange(handle, file, fileSize, resolveRange(range, size), digest));
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }

  const store: BlobStore = {
    kind: "fs",
    async has(digest) {
      return (await store.stat(digest)) !== null;
    },
    async stat(digest) {
      try {
        const info = await stat(pathOf(digest));
        const size = sizeOnDisk(info.size);
        if (size === null) countRecords(info.size, digest);
        return { size: size ?? 0 };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async put(digest: string, body: BlobBody, putOptions: PutOptions = {}) {
      const target = pathOf(digest);
      if (putOptions.size !== undefined) assertByteCount(putOptions.size, "The declared blob size");
      await ensureDir(tmpDir);
      const tmpPath = join(tmpDir, randomUUID());
      const handle = await retryOnMissingDir(tmpDir, () => open(tmpPath, "wx", FILE_MODE));
      let fileOpen = true;
      try {
        const state: HashState = { size: 0, actual: undefined };
        const plain = hashingSource(body, digest, state, putOptions.size);
        for await (const chunk of master ? encryptStream(master, plain) : plain) {
          await writeAll(handle, chunk);
        }
        await handle.sync();
        fileOpen = false;
        await handle.close();
        // Equal work (no timing oracle): content already stored was written and fsynced like a
        // fresh upload, and is now discarded instead of renamed over the good copy.
        if (await exists(target)) {
          await rm(tmpPath, { force: true });
          return { size: state.size };
        }
        const created = await ensureDir(dirname(target));
        await retryOnMissingDir(dirname(target), () => rename(tmpPath, target));
        await fsyncDir(dirname(target));
        // Newly created shard directories must themselves be durable entries of their parents.
        if (created) {
          await fsyncDir(dirname(dirname(target)));
          await fsyncDir(root);
        }
        return { size: state.size };
      } catch (error) {
        if (fileOpen) await handle.close().catch(() => {});
        await rm(tmpPath, { force: true });
        throw error;
      }
    },
    async get(digest, range) {
      return read(digest, await openBlob(digest), range);
    },
    async delete(digest) {
      await rm(pathOf(digest), { force: true });
    },
    list() {
      return listBlobs(root, sizeOnDisk);
    },
    async verify(digest): Promise<VerifyResult> {
      const handle = await openBlob(digest);
      try {
        const actual = await sha256Of(await read(digest, handle));
        return { ok: actual === digest, actual };
      } catch (error) {
        if ((error as { code?: unknown }).code === "DIGEST_MISMATCH") return { ok: false };
        throw error;
      }
    },
    async presignPut(digest) {
      assertBlobDigest(digest);
      return null;
    },
    async completePut(digest, uploadId) {
      // Nothing is ever staged here: uploads reach the server's byte route, which verifies them.
      throw new CairnError(
        "NOT_FOUND",
        `The directory store has no presigned upload ${String(uploadId).slice(0, 80)} of blob ${digest}: upload through the server's byte route from blobs.missing.`,
        { details: { digest } },
      );
    },
    async presignGet(digest) {
      assertBlobDigest(digest);
      return null;
    },
    async createMultipart(digest) {
      // No presigned parts: see createUnsignedMultipart, whose parts the server relays.
      assertBlobDigest(digest);
      return null;
    },
    createUnsignedMultipart: (digest, size, partSize) =>
      multipart.createUnsignedMultipart(digest, size, partSize),
    putPart: (digest, uploadId, partNumber, body, size) =>
      multipart.putPart(digest, uploadId, partNumber, body, size),
    completeMultipart: (digest, uploadId, parts) =>
      multipart.completeMultipart(digest, uploadId, parts),
    abortMultipart: (digest, uploadId) => multipart.abortMultipart(digest, uploadId),
    sweepTemporary: (olderThan) => sweepTmpDir(tmpDir, olderThan),
  };
  const multipart = createFsMultipart({ tmpDir, master, fsyncDir, put: store.put });
  return { store, master, fsyncDir };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

async function* listBlobs(
  root: string,
  sizeOnDisk: (fileSize: number) => number | null,
): AsyncGenerator<BlobInfo> {
  for (const first of await readdirOrEmpty(root)) {
    if (!SHARD.test(first)) continue;
    for (const second of await readdirOrEmpty(join(root, first))) {
      if (!SHARD.test(second)) continue;
      for (const name of await readdirOrEmpty(join(root, first, second))) {
        if (!isBlobDigest(name) || !name.startsWith(first + second)) continue;
        try {
          const info = await stat(join(root, first, second, name));
          // A truncated encrypted file still shows up (size 0) so GC can see and remove it.
          yield { digest: name, size: sizeOnDisk(info.size) ?? 0, modifiedAt: info.mtime };
        } catch (error) {
          if (!isNotFound(error)) throw error; // deleted while listing
        }
      }
    }
  }
}
