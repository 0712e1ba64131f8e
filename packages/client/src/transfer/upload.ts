import { CairnError, MAX_ENTRIES_PER_REQUEST } from "@cairn/core";
import type { ProgressTracker } from "../progress.js";
import type { ClientContext } from "../remote/context.js";
import { type RetryOptions, withRetry } from "../transport/retry.js";
import type { ProjectRef, RouterOutputs } from "../transport/router-types.js";
import { isRetryableTransfer, transferError } from "./byte-requests.js";
import { fileSliceBody, readFileSlice, STREAM_BODY_THRESHOLD } from "./file-body.js";
import { mapWithConcurrency } from "./pool.js";
import { type BundleTarget, uploadBundles } from "./upload-bundles.js";

/** A blob to upload if the server says it is missing. */
export interface UploadCandidate {
  digest: string;
  size: number;
  localPath: string;
}

/** What an upload pass did. */
export interface UploadStats {
  /** Distinct blobs offered to the server. */
  checkedFiles: number;
  uploadedFiles: number;
  uploadedBytes: number;
}

/** Where the server wants one missing blob's bytes. */
export type UploadTarget = RouterOutputs["blobs"]["missing"]["missing"][number]["upload"];

/** `blobs.missing` takes at most this many blobs per request (the server's per-request limit). */
export const MISSING_BATCH = MAX_ENTRIES_PER_REQUEST;

/** A blob the server reported missing, with where its bytes go. */
export type Missing = { candidate: UploadCandidate; upload: UploadTarget };

/** Uploads one checked batch: small server-bound blobs in bundles, the rest one by one. */
export async function uploadBatch(
  ctx: ClientContext,
  project: ProjectRef,
  missing: Missing[],
  target: BundleTarget | null,
  tracker: ProgressTracker,
): Promise<void> {
  const bundled = target
    ? missing.filter(
        (m) =>
          m.upload.kind === "put" && !m.upload.complete && m.candidate.size <= target.maxBlobSize,
      )
    : [];
  const inBundles = new Set(bundled);
  const single = missing.filter((m) => !inBundles.has(m));
  if (target && bundled.length > 0) {
    await uploadBundles(
      ctx,
      target,
      bundled.map((m) => m.candidate),
      (files, bytes) => tracker.advance(files, bytes),
    );
  }
  await mapWithConcurrency(single, ctx.transferConcurrency, async ({ candidate, upload }) => {
    await uploadOne(ctx, project, candidate, upload);
    tracker.advance(1, candidate.size);
  });
}

/**
 * Fewest attempts of one multipart part (see {@link partRetryOptions}): with delays doubling from
 * 0.2 s and capped at 5 s, 12 attempts wait about 36 s in all — longer than a server restart.
 */
export const PART_RETRY_ATTEMPTS = 12;

/**
 * The retry budget of one multipart part. The transfer default (4 attempts from 0.2 s, about 1.4 s
 * of waiting) gives up before a restarting server is back, and giving up a part abandons every
 * part already stored (the directory store keeps them durably, a bucket keeps them too): so parts
 * retry at least {@link PART_RETRY_ATTEMPTS} times, from at least 0.2 s, with delays allowed to
 * grow to 5 s (a larger configured budget is kept).
 */
export function partRetryOptions(retry: RetryOptions): RetryOptions {
  return {
    attempts: Math.max(retry.attempts ?? 4, PART_RETRY_ATTEMPTS),
    baseMs: Math.max(retry.baseMs ?? 200, 200),
    maxMs: Math.max(retry.maxMs ?? 5_000, 5_000),
  };
}

/**
 * Uploads one blob to its target. Multipart targets go up part by part, each part streamed from
 * disk and retried on its own with {@link partRetryOptions}: a dropped connection or a restarted
 * server costs the part in flight, never the parts already acknowledged (their ETags are kept),
 * and the parts are then completed with `blobs.complete`.
 */
async function uploadOne(
  ctx: ClientContext,
  project: ProjectRef,
  candidate: UploadCandidate,
  upload: UploadTarget,
): Promise<void> {
  if (upload.kind === "multipart") {
    const parts: Array<{ partNumber: number; etag: string }> = [];
    for (const part of upload.parts) {
      const start = (part.partNumber - 1) * upload.partSize;
      const length = Math.min(upload.partSize, candidate.size - start);
      const what = `Uploading part ${part.partNumber} of ${candidate.localPath}`;
      const etag = await withRetry(
        async () => {
          const response = await putSlice(ctx, part.url, {}, candidate, start, length);
          if (!response.ok) throw await transferError(response, what);
          await response.body?.cancel();
          const tag = response.headers.get("etag");
          if (!tag) {
            throw new CairnError(
              "UNAVAILABLE",
              `The bucket answered part ${part.partNumber} of ${candidate.localPath} without an ETag: expose the ETag header in the bucket's CORS/proxy settings.`,
            );
          }
          return tag;
        },
        isRetryableTransfer,
        partRetryOptions(ctx.retry),
      );
      parts.push({ partNumber: part.partNumber, etag });
    }
    await ctx.call((t) =>
      t.blobs.complete.mutate({
        ...project,
        digest: candidate.digest,
        size: candidate.size,
        multipart: { uploadId: upload.uploadId, parts },
      }),
    );
    return;
  }
  await withRetry(
    async () => {
      const response = await putSlice(
        ctx,
        upload.url,
        upload.headers,
        candidate,
        0,
        candidate.size,
      );
      if (!response.ok) throw await transferError(response, `Uploading ${candidate.localPath}`);
      await response.body?.cancel();
    },
    isRetryableTransfer,
    ctx.retry,
  );
  if (upload.complete) {
    // The upload id names the staging key the bytes went to; the server verifies and stores them.
    await ctx.call((t) =>
      t.blobs.complete.mutate({
        ...project,
        digest: candidate.digest,
        size: candidate.size,
        ...(upload.uploadId === undefined ? {} : { uploadId: upload.uploadId }),
      }),
    );
  }
}

/**
 * PUTs `length` bytes of the candidate's file from `start`. Small bodies are read whole (fetch then
 * sets the Content-Length itself); bodies above 8 MiB stream from disk with an explicit
 * Content-Length, which presigned S3 PUTs need. Each call re-reads the file, so a retry sends
 * fresh bytes; a file that shrank since it was hashed is refused (CONFLICT) instead of uploading
 * a truncated blob.
 */
async function putSlice(
  ctx: ClientContext,
  url: string,
  headers: Record<string, string>,
  candidate: UploadCandidate,
  start: number,
  length: number,
): Promise<Response> {
  if (length <= STREAM_BODY_THRESHOLD) {
    const body = await readFileSlice(candidate.localPath, start, length);
    return ctx.fetch(url, { method: "PUT", headers, body });
  }
  const slice = fileSliceBody(candidate.localPath, start, length);
  try {
    return await ctx.fetch(url, {
      method: "PUT",
      ...slice.init,
      headers: { ...headers, ...slice.init.headers },
    } as RequestInit);
  } catch (error) {
    // fetch reports a body that failed as "fetch failed" (retryable): surface the real cause.
    throw slice.failure() ?? error;
  }
}
