import { isPackedStore, type PackedBlobStore } from "@cairn/blobs";
import { type BundleBlob, readBundle, readBundlePart } from "@cairn/core";
import type { ServiceDeps } from "../deps.js";
import type { UploadRecord } from "./upload-record.js";

/**
 * Blob writes one bundle keeps in flight. Each write ends in an fsync; running several at once
 * lets the file system commit them together instead of one journal commit per 100 KiB file.
 */
export const BUNDLE_WRITE_CONCURRENCY = 16;

/** What a bundle upload stored. */
export interface BundleUploadResult {
  /** Blobs received and verified (stored, or proved when the store already held them). */
  blobs: BundleBlob[];
  bytes: number;
}

/**
 * Receives a bundle of blobs on the server's upload route for `entityIds` (see `@cairn/core`'s
 * bundle format). Each blob is read into memory (a bundle blob is at most 4 MiB), then written to
 * the store, which verifies its SHA-256 as it writes. A blob the store already holds is written
 * and fsynced all the same, then discarded (the store's equal-work rule): the answer's timing
 * never tells whether another tenant stores it, and a bad upload never replaces good bytes.
 * Writes overlap (bounded) while the next blobs are read. Possession of every verified blob is
 * recorded once all are durable; the first failure (e.g. DIGEST_MISMATCH naming the blob) fails
 * the request, and the client retries the bundle.
 */
export async function receiveBundle(
  deps: Pick<ServiceDeps, "blobs">,
  record: (input: UploadRecord) => Promise<void>,
  input: { entityIds: readonly string[]; body: AsyncIterable<Uint8Array> },
): Promise<BundleUploadResult> {
  const { blobs } = deps;
  if (isPackedStore(blobs)) return receivePacked(blobs, record, input);
  const received: BundleBlob[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;

  const track = (write: Promise<void>): void => {
    const tracked = write.catch((error: unknown) => {
      failure ??= error;
    });
    const done = tracked.finally(() => inFlight.delete(done));
    inFlight.add(done);
  };

  for await (const part of readBundle(input.body)) {
    const bytes = await readBundlePart(part);
    if (failure) continue;
    while (inFlight.size >= BUNDLE_WRITE_CONCURRENCY) await Promise.race(inFlight);
    track(
      (async () => {
        await blobs.put(part.digest, bytes, { size: part.size });
        received.push({ digest: part.digest, size: part.size });
      })(),
    );
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  await Promise.all(
    received.flatMap((b) =>
      input.entityIds.map((entityId) => record({ digest: b.digest, size: b.size, entityId })),
    ),
  );
  return { blobs: received, bytes: received.reduce((n, b) => n + b.size, 0) };
}

/**
 * A packed store takes the whole bundle as one group commit: every blob is verified against its
 * digest first (a mismatch stores none), then all are appended to a pack with one fsync (or one
 * PUT) and indexed. Blobs already stored are appended too — the same work as a fresh upload, so
 * timing says nothing about what other tenants stored; the duplicate record is reclaimed by
 * compaction.
 */
async function receivePacked(
  blobs: PackedBlobStore,
  record: (input: UploadRecord) => Promise<void>,
  input: { entityIds: readonly string[]; body: AsyncIterable<Uint8Array> },
): Promise<BundleUploadResult> {
  const items: Array<{ digest: string; bytes: Uint8Array }> = [];
  const received: BundleBlob[] = [];
  for await (const part of readBundle(input.body)) {
    items.push({ digest: part.digest, bytes: await readBundlePart(part) });
    received.push({ digest: part.digest, size: part.size });
  }
  await blobs.putMany(items);
  await Promise.all(
    received.flatMap((b) =>
      input.entityIds.map((entityId) => record({ digest: b.digest, size: b.size, entityId })),
    ),
  );
  return { blobs: received, bytes: received.reduce((n, b) => n + b.size, 0) };
}
