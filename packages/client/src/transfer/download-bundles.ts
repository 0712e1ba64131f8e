import { CairnError, isCairnError, planBundles, readBundle, readBundlePart } from "@cairn/core";
import type { BlobCache } from "../cache/blob-cache.js";
import type { ClientContext } from "../remote/context.js";
import { withRetry } from "../transport/retry.js";
import type { RouterOutputs } from "../transport/router-types.js";
import { isRetryableTransfer, transferError } from "./byte-requests.js";
import { mapWithConcurrency } from "./pool.js";

/** Where `artifacts.fileUrlsBatch` lets small blobs of a version come down together. */
export type BundleDownloadTarget = NonNullable<
  RouterOutputs["artifacts"]["fileUrlsBatch"]["bundle"]
>;

/** Blobs up to this size travel in bundles; bigger ones are fetched on their own. */
export const BUNDLE_BLOB_MAX = 1024 * 1024;
/**
 * Bytes of blob data asked for per bundle: big enough that per-request costs vanish next to the
 * bytes, small enough that several bundles stream at once and a failed one is cheap to refetch.
 */
export const BUNDLE_TARGET_BYTES = 8 * 1024 * 1024;
/** Bundles in flight at once. */
export const BUNDLE_CONCURRENCY = 4;
/** Blobs of one bundle being written to the cache at once (each write ends in an fsync). */
const PUT_CONCURRENCY = 16;

/** A blob to fetch. */
export interface BundleBlobWanted {
  digest: string;
  size: number;
}

/** A bundle body that ended early, was malformed or listed other blobs: worth fetching again. */
class BundleStreamError extends CairnError {}

/**
 * Fetches `blobs` (each at most {@link BUNDLE_BLOB_MAX}) from the server's bundle route, many per
 * request, splitting each answer into blobs that go through `cache.put` (which verifies every
 * digest). A failed bundle is retried with backoff, asking only for the blobs not yet cached. A
 * digest mismatch is not retried: it goes through `onError` (which names the files) and fails.
 * `onBlob` reports each cached blob.
 */
export async function downloadBundles(
  ctx: ClientContext,
  cache: BlobCache,
  target: () => Promise<BundleDownloadTarget>,
  blobs: readonly BundleBlobWanted[],
  hooks: { onBlob: (blob: BundleBlobWanted) => void; onError: (error: unknown) => unknown },
): Promise<void> {
  const bundles = planBundles(blobs, BUNDLE_TARGET_BYTES);
  await mapWithConcurrency(bundles, BUNDLE_CONCURRENCY, async (bundle) => {
    const done = new Set<string>();
    await withRetry(
      async () => {
        const wanted = bundle.filter((b) => !done.has(b.digest));
        const { url } = await target();
        const response = await ctx.fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ digests: wanted.map((b) => b.digest) }),
        });
        if (!response.ok || !response.body) {
          throw await transferError(
            response,
            `Downloading a bundle of ${wanted.length} blobs (${wanted[0]!.digest}, …)`,
          );
        }
        await receive(
          cache,
          response.body as unknown as AsyncIterable<Uint8Array>,
          wanted,
          (blob) => {
            done.add(blob.digest);
            hooks.onBlob(blob);
          },
          hooks.onError,
        );
      },
      (error) => error instanceof BundleStreamError || isRetryableTransfer(error),
      ctx.retry,
    );
  });
}

/** Splits one bundle body into the cache, `PUT_CONCURRENCY` writes in flight. */
async function receive(
  cache: BlobCache,
  body: AsyncIterable<Uint8Array>,
  wanted: readonly BundleBlobWanted[],
  onBlob: (blob: BundleBlobWanted) => void,
  onError: (error: unknown) => unknown,
): Promise<void> {
  const expected = new Set(wanted.map((b) => b.digest));
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    for await (const part of readBundle(body)) {
      if (!expected.delete(part.digest)) {
        throw new BundleStreamError(
          "UNAVAILABLE",
          `The server's bundle holds blob ${part.digest}, which was not asked for (or twice).`,
        );
      }
      const bytes = await readBundlePart(part);
      if (failure) break;
      while (inFlight.size >= PUT_CONCURRENCY) await Promise.race(inFlight);
      const write = cache.put(part.digest, bytes).then(
        () => onBlob(part),
        (error: unknown) => {
          failure ??= { error: onError(error) };
        },
      );
      const tracked = write.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
  } catch (error) {
    await Promise.all(inFlight);
    if (failure) throw failure.error;
    if (error instanceof BundleStreamError) throw error;
    // readBundle's INVALID_INPUT (cut short or malformed) or the connection failing mid-body.
    if (isCairnError(error) && !isCairnError(error, "INVALID_INPUT")) throw error;
    throw new BundleStreamError(
      "UNAVAILABLE",
      `The server's bundle was cut short or unusable: ${(error as Error).message}`,
      { cause: error },
    );
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  if (expected.size > 0) {
    throw new BundleStreamError(
      "UNAVAILABLE",
      `The server's bundle left out ${expected.size} of the blobs asked for (${[...expected][0]}, …).`,
    );
  }
}
