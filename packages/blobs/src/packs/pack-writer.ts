import type { PackIndex } from "@cairn/core";
import { encodeRecordHeader } from "./pack-format.js";
import type { PackBackend } from "./pack-types.js";

/** One blob to append: its digest, plaintext size and stored payload. */
export interface PackItem {
  digest: string;
  size: number;
  payload: Buffer;
}

/** When a group commit is written (see {@link createPackWriter}). */
export interface PackBatching {
  /**
   * Wait (at most `maxDelayMs`) until this many bytes are queued before writing. 0 on the
   * directory store: write as soon as the previous write is done (classic group commit). On S3 a
   * write is one PUT, so batches are made large on purpose.
   */
  minBatchBytes: number;
  maxDelayMs: number;
  /** The most bytes one write carries. */
  maxBatchBytes: number;
}

interface Waiter {
  items: PackItem[];
  bytes: number;
  resolve: (packId: string) => void;
  reject: (error: unknown) => void;
}

/** Appends blobs to packs in group commits; see {@link createPackWriter}. */
export interface PackWriter {
  /**
   * Resolves once every item is durable in a pack *and* indexed, with the pack's id (null for no
   * items); rejects if either failed.
   */
  append(items: PackItem[]): Promise<string | null>;
  /** Waits for queued and running writes. */
  drain(): Promise<void>;
  /** Packs written to but not indexed yet: compaction must not take them for orphans. */
  busy(packId: string): boolean;
}

/** The records of `items` as the backend writes them (header ‖ payload each). */
export function encodeRecords(items: readonly PackItem[]): Buffer[] {
  return items.map((item) =>
    Buffer.concat([encodeRecordHeader(item.digest, item.size, item.payload.length), item.payload]),
  );
}

/**
 * Group commit for packs: appends from many concurrent uploads are queued and written together —
 * one backend write (one `writev` + `fsync`, or one PUT) and then one index transaction. The
 * index is written only after the backend returned, so it never points at bytes a crash can lose;
 * a crash between the two leaves unindexed records, which are dead bytes that compaction reclaims.
 */
export function createPackWriter(
  backend: PackBackend,
  index: PackIndex,
  batching: PackBatching,
): PackWriter {
  const queue: Waiter[] = [];
  let queuedBytes = 0;
  let running: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const idle: Array<() => void> = [];
  const unindexed = new Map<string, number>();

  async function flush(batch: Waiter[]): Promise<string> {
    const items = batch.flatMap((w) => w.items);
    const written = await backend.write(encodeRecords(items));
    unindexed.set(written.packId, (unindexed.get(written.packId) ?? 0) + 1);
    try {
      await record(items, written);
    } finally {
      const left = (unindexed.get(written.packId) ?? 1) - 1;
      if (left === 0) unindexed.delete(written.packId);
      else unindexed.set(written.packId, left);
    }
    return written.packId;
  }

  async function record(
    items: PackItem[],
    written: Awaited<ReturnType<PackBackend["write"]>>,
  ): Promise<void> {
    await index.record(
      written.packId,
      written.end,
      items.map((item, i) => ({
        digest: item.digest,
        offset: written.payloadOffsets[i]!,
        length: item.payload.length,
        size: item.size,
      })),
      { sealed: written.sealed },
    );
  }

  function start(): void {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (running || queue.length === 0) return;
    const batch: Waiter[] = [];
    let bytes = 0;
    while (
      queue.length > 0 &&
      (batch.length === 0 || bytes + queue[0]!.bytes <= batching.maxBatchBytes)
    ) {
      const next = queue.shift()!;
      bytes += next.bytes;
      batch.push(next);
    }
    queuedBytes -= bytes;
    running = flush(batch).then(
      (packId) => {
        for (const w of batch) w.resolve(packId);
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
    void running.finally(() => {
      running = null;
      if (queue.length === 0) {
        for (const done of idle.splice(0)) done();
      }
      schedule();
    });
  }

  function schedule(): void {
    if (running || queue.length === 0) return;
    // Below the batch size, wait (bounded) for company: on S3 every write is a PUT.
    if (queuedBytes >= batching.minBatchBytes) start();
    else timer ??= setTimeout(start, batching.maxDelayMs);
  }

  return {
    append(items) {
      if (items.length === 0) return Promise.resolve(null);
      return new Promise<string | null>((resolve, reject) => {
        const bytes = items.reduce((n, item) => n + item.payload.length, 0);
        queue.push({ items, bytes, resolve, reject });
        queuedBytes += bytes;
        schedule();
      });
    },
    busy: (packId) => unindexed.has(packId),
    drain() {
      if (!running && queue.length === 0) return Promise.resolve();
      start();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}
