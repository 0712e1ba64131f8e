import { open } from "node:fs/promises";
import { CairnError } from "@cairn/core";
import { createProgressTracker, type ProgressListener } from "../progress.js";
import type { ClientContext } from "../remote/context.js";
import { withRetry } from "../transport/retry.js";
import type { ProjectRef, RouterOutputs } from "../transport/router-types.js";
import { isRetryableTransfer, transferError } from "./byte-requests.js";
import { chunk, mapWithConcurrency } from "./pool.js";

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

type UploadTarget = RouterOutputs["blobs"]["missing"]["missing"][number]["upload"];

/** `blobs.missing` takes at most this many blobs per request (the server's per-request limit). */
export const MISSING_BATCH = 10_000;

/**
 * Uploads what the project's entity does not hold yet: asks `blobs.missing` in batches of 10,000,
 * then PUTs only the missing blobs, `ctx.transferConcurrency` at a time, each retried with
 * exponential backoff; multipart targets go up part by part and are completed with their ETags;
 * presigned PUTs that ask for it are confirmed with `blobs.complete`.
 */
export async function uploadMissing(
  ctx: ClientContext,
  project: ProjectRef,
  candidates: readonly UploadCandidate[],
  onProgress: ProgressListener | undefined = ctx.onProgress,
): Promise<UploadStats> {
  const byDigest = new Map<string, UploadCandidate>();
  for (const c of candidates) byDigest.set(c.digest, c);
  const unique = [...byDigest.values()];
  const missing: Array<{ candidate: UploadCandidate; upload: UploadTarget }> = [];
  for (const batch of chunk(unique, MISSING_BATCH)) {
    const answer = await ctx.call((t) =>
      t.blobs.missing.mutate({
        ...project,
        blobs: batch.map((b) => ({ digest: b.digest, size: b.size })),
      }),
    );
    for (const m of answer.missing) {
      const candidate = byDigest.get(m.digest);
      if (candidate) missing.push({ candidate, upload: m.upload });
    }
  }
  const bytesTotal = missing.reduce((n, m) => n + m.candidate.size, 0);
  const tracker = createProgressTracker({
    phase: "upload",
    filesTotal: missing.length,
    bytesTotal,
    onProgress,
  });
  await mapWithConcurrency(missing, ctx.transferConcurrency, async ({ candidate, upload }) => {
    await uploadOne(ctx, project, candidate, upload);
    tracker.advance(1, candidate.size);
  });
  if (missing.length > 0) tracker.finish();
  return { checkedFiles: unique.length, uploadedFiles: missing.length, uploadedBytes: bytesTotal };
}

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
      const etag = await withRetry(
        async () => {
          const body = await readSlice(candidate, start, length);
          const response = await ctx.fetch(part.url, { method: "PUT", body });
          if (!response.ok)
            throw await transferError(
              response,
              `Uploading part ${part.partNumber} of ${candidate.localPath}`,
            );
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
        ctx.retry,
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
      const body = await readSlice(candidate, 0, candidate.size);
      const response = await ctx.fetch(upload.url, {
        method: "PUT",
        headers: upload.headers,
        body,
      });
      if (!response.ok) throw await transferError(response, `Uploading ${candidate.localPath}`);
      await response.body?.cancel();
    },
    isRetryableTransfer,
    ctx.retry,
  );
  if (upload.complete) {
    await ctx.call((t) =>
      t.blobs.complete.mutate({ ...project, digest: candidate.digest, size: candidate.size }),
    );
  }
}

/**
 * Reads `length` bytes at `start`. Whole bodies (not streams) are sent because presigned S3 PUTs
 * need a Content-Length and fetch only sets it for sized bodies; blobs above the multipart
 * threshold (64 MiB) go up in parts, so one body stays bounded on S3. A file that shrank since it
 * was hashed is refused here instead of uploading a truncated blob.
 */
async function readSlice(
  candidate: UploadCandidate,
  start: number,
  length: number,
): Promise<Uint8Array> {
  const handle = await open(candidate.localPath, "r");
  try {
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read !== length) {
      throw new CairnError(
        "CONFLICT",
        `The file ${candidate.localPath} changed since it was hashed (it is shorter now): log the artifact again once the file is stable.`,
        { details: { path: candidate.localPath } },
      );
    }
    return buffer;
  } finally {
    await handle.close();
  }
}
