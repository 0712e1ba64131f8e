import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { PackEntry, PackIndex } from "@cairn/core";
import { CairnError } from "@cairn/core";
import { assertByteCount, digestMismatch, type HashState, hashingSource } from "../body.js";
import { assertBlobDigest } from "../digest.js";
import type { MasterKey } from "../fs/record-cipher.js";
import { resolveRange } from "../range.js";
import type { BlobBody, BlobInfo, BlobStore, VerifyResult } from "../types.js";
import { type CompactOptions, type CompactResult, compactPacks } from "./pack-compaction.js";
import type { PackBackend } from "./pack-types.js";
import { createPackWriter, type PackBatching, type PackItem } from "./pack-writer.js";
import { openPayload, sealPayload } from "./record-payload.js";
import { type RepackResult, repackLoose } from "./repack.js";

/** Default size at or below which a blob goes into a pack (larger ones keep their own file). */
export const DEFAULT_PACK_THRESHOLD = 4 * 1024 * 1024;

/** Pack maintenance of a {@link PackedBlobStore}. */
export interface PackControl {
  /** Blobs of at most this many bytes are packed. */
  readonly threshold: number;
  /** Rewrites packs whose live fraction is low; see `compactPacks`. */
  compact(options: CompactOptions): Promise<CompactResult>;
  /** Moves small one-file-per-blob blobs of the underlying store into packs. */
  repack(options?: { limit?: number }): Promise<RepackResult>;
  /** Waits for pending pack writes and closes the open pack. */
  close(): Promise<void>;
}

/** A blob store whose small blobs live in packs. */
export interface PackedBlobStore extends BlobStore {
  readonly packs: PackControl;
  /**
   * Stores several small blobs in one group commit (one pack write, one index transaction); each
   * is verified against its digest first, and a mismatch stores none of them.
   */
  putMany(items: ReadonlyArray<{ digest: string; bytes: Uint8Array }>): Promise<void>;
  /** The plaintext bytes of several blobs, reading each pack's records in contiguous ranges. */
  getMany(digests: readonly string[]): Promise<Buffer[]>;
  /**
   * Sizes of several blobs in one index query (missing ones absent), with each packed blob's
   * location, so a caller can order reads by pack and offset.
   */
  statMany(
    digests: readonly string[],
  ): Promise<Map<string, { size: number; pack?: { packId: string; offset: number } }>>;
}

/** True when `store` keeps small blobs in packs. */
export function isPackedStore(store: BlobStore): store is PackedBlobStore {
  return "packs" in store && typeof (store as { putMany?: unknown }).putMany === "function";
}

/** Options of {@link createPackedStore}. */
export interface PackedStoreOptions {
  /** Large blobs, and blobs written before packs existed (one file / object per blob). */
  loose: BlobStore;
  backend: PackBackend;
  index: PackIndex;
  master?: MasterKey;
  threshold?: number;
  batching: PackBatching;
}

/** Reads of neighbouring records are merged when the gap between them is at most this. */
const COALESCE_GAP = 64 * 1024;

/**
 * Wraps a one-file-per-blob store: blobs up to `threshold` bytes are verified in memory, then
 * appended to packs by group commit (see pack-writer.ts) and found through the pack index; the
 * rest, and every blob stored before, stay in `loose`, which reads fall back to. Every trust rule of
 * the loose store holds: the SHA-256 is checked before anything is written, a re-put does the same
 * work as a first put (a record appended and fsynced), and a wrong body leaves nothing addressable.
 */
export function createPackedStore(options: PackedStoreOptions): PackedBlobStore {
  const { loose, backend, index, master } = options;
  const threshold = options.threshold ?? DEFAULT_PACK_THRESHOLD;
  const writer = createPackWriter(backend, index, options.batching);
  const looseStore = loose;

  async function find(digest: string): Promise<PackEntry | undefined> {
    assertBlobDigest(digest);
    return (await index.lookup([digest])).get(digest);
  }

  /** The plaintext of a packed blob; re-reads the index once if compaction moved it meanwhile. */
  async function readEntry(entry: PackEntry): Promise<Buffer> {
    try {
      return openPayload(
        master,
        await backend.read(entry.packId, entry.offset, entry.length),
        entry.digest,
      );
    } catch (error) {
      if ((error as { code?: unknown }).code !== "NOT_FOUND") throw error;
      const moved = await find(entry.digest);
      if (!moved || moved.packId === entry.packId) throw notStored(entry.digest, error);
      return openPayload(
        master,
        await backend.read(moved.packId, moved.offset, moved.length),
        moved.digest,
      );
    }
  }

  async function item(digest: string, plain: Buffer): Promise<PackItem> {
    return { digest, size: plain.length, payload: await sealPayload(master, plain) };
  }

  const store: PackedBlobStore = {
    kind: loose.kind,
    async has(digest) {
      return (await store.stat(digest)) !== null;
    },
    async stat(digest) {
      const entry = await find(digest);
      return entry ? { size: entry.size } : loose.stat(digest);
    },
    async put(digest: string, body: BlobBody, putOptions = {}) {
      assertBlobDigest(digest);
      if (putOptions.size !== undefined) assertByteCount(putOptions.size, "The declared blob size");
      if (putOptions.size !== undefined && putOptions.size > threshold) {
        return loose.put(digest, body, putOptions);
      }
      const head = await readUpTo(body, threshold);
      if (head.rest) {
        // Longer than the threshold after all: the loose store streams (and verifies) the rest.
        return loose.put(digest, head.rest, putOptions);
      }
      const state: HashState = { size: 0, actual: undefined };
      for await (const _ of hashingSource(head.bytes, digest, state, putOptions.size)) {
        // hashingSource throws DIGEST_MISMATCH before it ends when the bytes are wrong.
      }
      await writer.append([await item(digest, head.bytes)]);
      return { size: head.bytes.length };
    },
    async putMany(items) {
      const prepared: PackItem[] = [];
      for (const { digest, bytes } of items) {
        assertBlobDigest(digest);
        const actual = createHash("sha256").update(bytes).digest("hex");
        if (actual !== digest) throw digestMismatch(digest, actual, bytes.byteLength);
      }
      const big = items.filter((i) => i.bytes.byteLength > threshold);
      for (const { digest, bytes } of big) await loose.put(digest, bytes);
      for (const { digest, bytes } of items) {
        if (bytes.byteLength <= threshold) prepared.push(await item(digest, Buffer.from(bytes)));
      }
      await writer.append(prepared);
    },
    async get(digest, range) {
      const entry = await find(digest);
      if (!entry) return loose.get(digest, range);
      const resolved = resolveRange(range, entry.size);
      const plain = await readEntry(entry);
      if (resolved === null) return Readable.from([]);
      return Readable.from([plain.subarray(resolved.start, resolved.end + 1)]);
    },
    async getMany(digests) {
      return readMany(digests);
    },
    async statMany(digests) {
      for (const digest of digests) assertBlobDigest(digest);
      const entries = await index.lookup(digests);
      const out = new Map<string, { size: number; pack?: { packId: string; offset: number } }>();
      for (const digest of digests) {
        const entry = entries.get(digest);
        if (entry) {
          out.set(digest, {
            size: entry.size,
            pack: { packId: entry.packId, offset: entry.offset },
          });
          continue;
        }
        const loose = await looseStore.stat(digest);
        if (loose) out.set(digest, { size: loose.size });
      }
      return out;
    },
    async delete(digest) {
      assertBlobDigest(digest);
      await index.remove([digest]);
      await loose.delete(digest);
    },
    list() {
      return listAll();
    },
    async verify(digest): Promise<VerifyResult> {
      const entry = await find(digest);
      if (!entry) return loose.verify(digest);
      try {
        const actual = createHash("sha256")
          .update(await readEntry(entry))
          .digest("hex");
        return { ok: actual === digest, actual };
      } catch (error) {
        if ((error as { code?: unknown }).code === "DIGEST_MISMATCH") return { ok: false };
        throw error;
      }
    },
    async presignPut(digest, size, presign) {
      assertBlobDigest(digest);
      // Small blobs must reach the server, which verifies and packs them: no direct PUTs.
      return size <= threshold ? null : loose.presignPut(digest, size, presign);
    },
    completePut: (digest, uploadId, size) => loose.completePut(digest, uploadId, size),
    async presignGet(digest, presign) {
      // A packed blob is a range of a shared object: a presigned GET would expose its neighbours.
      // A blob not stored at all gets none either, as with presignPut: it would be packed.
      const presigned = await loose.presignGet(digest, presign);
      if (presigned === null || (await find(digest))) return null;
      return (await loose.stat(digest)) ? presigned : null;
    },
    async createMultipart(digest, size, partSize, presign) {
      assertBlobDigest(digest);
      // Like presignPut: a blob small enough for a pack never goes straight to the bucket.
      return size <= threshold ? null : loose.createMultipart(digest, size, partSize, presign);
    },
    createUnsignedMultipart: (digest, size, partSize) =>
      loose.createUnsignedMultipart(digest, size, partSize),
    putPart: (digest, uploadId, partNumber, body, size) =>
      loose.putPart(digest, uploadId, partNumber, body, size),
    completeMultipart: (digest, uploadId, parts) =>
      loose.completeMultipart(digest, uploadId, parts),
    abortMultipart: (digest, uploadId) => loose.abortMultipart(digest, uploadId),
    // Temporaries of killed writes live in the loose store's tmp/ (packs reclaim torn tails).
    ...(loose.sweepTemporary
      ? { sweepTemporary: (olderThan: Date) => loose.sweepTemporary!(olderThan) }
      : {}),
    packs: {
      threshold,
      compact: (compactOptions) =>
        compactPacks(
          { backend, index, master, writerDrain: writer.drain, busy: writer.busy },
          compactOptions,
        ),
      repack: (repackOptions) =>
        repackLoose({ loose, index, master, threshold, append: writer.append }, repackOptions),
      async close() {
        await writer.drain();
        await backend.close();
      },
    },
  };

  async function readMany(digests: readonly string[]): Promise<Buffer[]> {
    const entries = await index.lookup(digests);
    const out: Buffer[] = new Array(digests.length);
    const packed: Array<{ i: number; entry: PackEntry }> = [];
    for (const [i, digest] of digests.entries()) {
      const entry = entries.get(digest);
      if (entry) packed.push({ i, entry });
    }
    // Loose blobs one by one; packed ones as contiguous ranges of each pack.
    for (const [i, digest] of digests.entries()) {
      if (entries.has(digest)) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await loose.get(digest)) chunks.push(chunk as Buffer);
      out[i] = Buffer.concat(chunks);
    }
    packed.sort((a, b) =>
      a.entry.packId === b.entry.packId
        ? a.entry.offset - b.entry.offset
        : a.entry.packId < b.entry.packId
          ? -1
          : 1,
    );
    let start = 0;
    while (start < packed.length) {
      let end = start + 1;
      const first = packed[start]!.entry;
      let reach = first.offset + first.length;
      while (end < packed.length) {
        const next = packed[end]!.entry;
        if (next.packId !== first.packId || next.offset - reach > COALESCE_GAP) break;
        reach = Math.max(reach, next.offset + next.length);
        end++;
      }
      const group = packed.slice(start, end);
      let range: Buffer | null = null;
      try {
        range = await backend.read(first.packId, first.offset, reach - first.offset);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "NOT_FOUND") throw error;
      }
      for (const { i, entry } of group) {
        out[i] =
          range === null
            ? await readEntry(entry) // the pack was compacted away meanwhile: follow the index
            : openPayload(
                master,
                range.subarray(
                  entry.offset - first.offset,
                  entry.offset - first.offset + entry.length,
                ),
                entry.digest,
              );
      }
      start = end;
    }
    return out;
  }

  async function* listAll(): AsyncGenerator<BlobInfo> {
    let after = "";
    for (;;) {
      const page = await index.page(after, 1000);
      for (const entry of page) {
        yield { digest: entry.digest, size: entry.size, modifiedAt: entry.writtenAt };
      }
      if (page.length < 1000) break;
      after = page[page.length - 1]!.digest;
    }
    // Loose blobs not also packed (a repack interrupted between its index write and its delete).
    let batch: BlobInfo[] = [];
    const flush = async function* (): AsyncGenerator<BlobInfo> {
      const packed = await index.lookup(batch.map((b) => b.digest));
      for (const info of batch) if (!packed.has(info.digest)) yield info;
      batch = [];
    };
    for await (const info of loose.list()) {
      batch.push(info);
      if (batch.length >= 1000) yield* flush();
    }
    yield* flush();
  }

  return store;
}

function notStored(digest: string, cause: unknown): CairnError {
  return new CairnError("NOT_FOUND", `Blob ${digest} is not stored; upload it before reading it.`, {
    cause,
    details: { digest },
  });
}

/**
 * Reads `body` while it is at most `limit` bytes. Returns the bytes, or — for a longer body — a
 * `rest` iterable that replays what was read and then continues with the unread remainder.
 */
async function readUpTo(
  body: BlobBody,
  limit: number,
): Promise<{ bytes: Buffer; rest?: AsyncIterable<Uint8Array> }> {
  if (body instanceof Uint8Array) {
    if (body.byteLength <= limit)
      return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
    return {
      bytes: Buffer.alloc(0),
      rest: (async function* () {
        yield body;
      })(),
    };
  }
  if (typeof body !== "object" || body === null || !(Symbol.asyncIterator in body)) {
    throw new CairnError(
      "INVALID_INPUT",
      "A blob body must be a Uint8Array, an async iterable of Uint8Array chunks or a Readable stream.",
    );
  }
  const iterator = (body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = next.value;
    if (!(chunk instanceof Uint8Array)) {
      throw new CairnError(
        "INVALID_INPUT",
        `A blob body yielded a ${typeof chunk} chunk; only Uint8Array/Buffer chunks are allowed (do not set an encoding on the stream).`,
      );
    }
    chunks.push(chunk);
    total += chunk.byteLength;
    if (total > limit) {
      return {
        bytes: Buffer.alloc(0),
        rest: (async function* () {
          yield* chunks;
          for (;;) {
            const more = await iterator.next();
            if (more.done) return;
            yield more.value as Uint8Array;
          }
        })(),
      };
    }
  }
  return { bytes: chunks.length === 1 ? Buffer.from(chunks[0]!) : Buffer.concat(chunks) };
}
