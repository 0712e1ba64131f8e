import { createHash } from "node:crypto";
import { isPackedStore, type PackedBlobStore } from "@cairn/blobs";
import { type BundleBlob, CairnError, readBundle, readBundlePart } from "@cairn/core";
import type { UploadRecord } from "./blobs-service.js";
import type { ServiceDeps } from "./deps.js";

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
 * Receives a bundle of blobs on the server's upload route for `entityId` (see `@cairn/core`'s
 * bundle format). Each blob is read into memory (a bundle blob is at most 4 MiB), then written to
 * the store, which verifies its SHA-256 as it writes; a blob the store already holds is only
 * hashed — a proof of possession — so a bad upload never overwrites good bytes. Writes overlap
 * (bounded) while the next blobs are read. Ownership of every verified blob is recorded once all
 * are durable; the first failure (e.g. DIGEST_MISMATCH naming the blob) fails the request, and the
 * client retries the bundle: blobs already stored are then only hashed again.
 */
export async function receiveBundle(
  deps: Pick<ServiceDeps, "blobs">,
  record: (input: UploadRecord) => Promise<void>,
  input: { entityId: string; body: AsyncIterable<Uint8Array> },
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
        if (await blobs.has(part.digest)) proveBytes(part, bytes);
        else await blobs.put(part.digest, bytes, { size: part.size });
        received.push({ digest: part.digest, size: part.size });
      })(),
    );
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  await Promise.all(
    received.map((b) => record({ digest: b.digest, size: b.size, entityId: input.entityId })),
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
  input: { entityId: string; body: AsyncIterable<Uint8Array> },
): Promise<BundleUploadResult> {
  const items: Array<{ digest: string; bytes: Uint8Array }> = [];
  const received: BundleBlob[] = [];
  for await (const part of readBundle(input.body)) {
    items.push({ digest: part.digest, bytes: await readBundlePart(part) });
    received.push({ digest: part.digest, size: part.size });
  }
  await blobs.putMany(items);
  await Promise.all(
    received.map((b) => record({ digest: b.digest, size: b.size, entityId: input.entityId })),
  );
  return { blobs: received, bytes: received.reduce((n, b) => n + b.size, 0) };
}

function proveBytes(blob: BundleBlob, bytes: Uint8Array): void {
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== blob.digest) {
    throw new CairnError(
      "DIGEST_MISMATCH",
      `The uploaded bytes of blob ${blob.digest} (${blob.size} bytes) hash to ${actual}: re-upload the right file.`,
      { details: { digest: blob.digest, actual } },
    );
  }
}
