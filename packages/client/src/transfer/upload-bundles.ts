import { open } from "node:fs/promises";
import { CairnError, encodeBundleHeader, planBundles } from "@cairn/core";
import type { ClientContext } from "../remote/context.js";
import { withRetry } from "../transport/retry.js";
import type { RouterOutputs } from "../transport/router-types.js";
import { isRetryableTransfer, transferError } from "./byte-requests.js";
import { mapWithConcurrency } from "./pool.js";

/** Where `blobs.missing` lets small blobs go up together (null: the store takes them one by one). */
export type BundleTarget = NonNullable<RouterOutputs["blobs"]["missing"]["bundle"]>;

/** A local file whose blob travels in a bundle. */
export interface BundleCandidate {
  digest: string;
  size: number;
  localPath: string;
}

/**
 * Bytes per bundle the client sends: big enough that per-request costs vanish next to the bytes,
 * small enough that several bundles are in flight at once (the server writes each bundle's blobs
 * concurrently, and a failed bundle is cheap to resend).
 */
export const BUNDLE_TARGET_BYTES = 8 * 1024 * 1024;
/** Bundles in flight at once. */
export const BUNDLE_CONCURRENCY = 4;
/** Files read at once while a bundle body is assembled. */
const READ_CONCURRENCY = 16;

/**
 * Uploads `candidates` (each at most `target.maxBlobSize`) in bundles: one POST per bundle carries
 * a header listing digests and sizes, then the files' bytes. Each bundle is retried as a whole with
 * backoff; the server verifies every blob against its digest. `onBundle` reports progress.
 */
export async function uploadBundles(
  ctx: ClientContext,
  target: BundleTarget,
  candidates: readonly BundleCandidate[],
  onBundle: (files: number, bytes: number) => void,
): Promise<void> {
  const bundles = planBundles(candidates, Math.min(BUNDLE_TARGET_BYTES, target.maxBytes));
  await mapWithConcurrency(bundles, BUNDLE_CONCURRENCY, async (bundle) => {
    const body = await assemble(bundle);
    await withRetry(
      async () => {
        const response = await ctx.fetch(target.url, {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body,
        });
        if (!response.ok) {
          throw await transferError(
            response,
            `Uploading a bundle of ${bundle.length} files (${bundle[0]!.localPath}, …)`,
          );
        }
        await response.body?.cancel();
      },
      isRetryableTransfer,
      ctx.retry,
    );
    onBundle(
      bundle.length,
      bundle.reduce((n, c) => n + c.size, 0),
    );
  });
}

/** The whole body of one bundle: header line, then every file's bytes at its offset. */
async function assemble(bundle: readonly BundleCandidate[]): Promise<Uint8Array> {
  const header = encodeBundleHeader(bundle);
  const total = bundle.reduce((n, c) => n + c.size, header.length);
  const body = Buffer.allocUnsafe(total);
  body.set(header, 0);
  const offsets: number[] = [];
  let at = header.length;
  for (const c of bundle) {
    offsets.push(at);
    at += c.size;
  }
  await mapWithConcurrency(bundle, READ_CONCURRENCY, (c, i) => readInto(c, body, offsets[i]!));
  return body;
}

/** Reads exactly `c.size` bytes of `c.localPath` into `target` at `offset`. */
async function readInto(c: BundleCandidate, target: Buffer, offset: number): Promise<void> {
  const handle = await open(c.localPath, "r");
  try {
    let read = 0;
    while (read < c.size) {
      const { bytesRead } = await handle.read(target, offset + read, c.size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read !== c.size) {
      throw new CairnError(
        "CONFLICT",
        `The file ${c.localPath} changed since it was hashed (it is shorter now): log the artifact again once the file is stable.`,
        { details: { path: c.localPath } },
      );
    }
  } finally {
    await handle.close();
  }
}
