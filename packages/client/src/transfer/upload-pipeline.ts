import { createProgressTracker, type ProgressListener, type ProgressTracker } from "../progress.js";
import type { ClientContext } from "../remote/context.js";
import type { ProjectRef } from "../transport/router-types.js";
import { chunk } from "./pool.js";
import {
  MISSING_BATCH,
  type Missing,
  type UploadCandidate,
  type UploadStats,
  uploadBatch,
} from "./upload.js";

/**
 * Blobs offered while hashing goes on are checked in batches of this many: small enough that the
 * first uploads start early, large enough that a million files are 1,000 checks, not a million.
 */
export const STREAM_CHECK_BATCH = 1_000;

/** A bounded hash → check → upload pipeline; see {@link createUploadPipeline}. */
export interface UploadPipeline {
  /** Offers blobs as they are hashed; each full batch is checked (and its missing blobs uploaded) now. */
  offer(candidates: readonly UploadCandidate[]): void;
  /** Offers the rest, checks what is left, waits for every upload; throws the first failure. */
  finish(candidates?: readonly UploadCandidate[]): Promise<UploadStats>;
  /** Starts nothing more and waits for what runs (its failures are dropped): the log failed. */
  abandon(): Promise<void>;
  /** True once an upload or check failed (the caller may stop feeding it). */
  readonly failed: boolean;
}

/** Options of {@link createUploadPipeline}. */
export interface UploadPipelineOptions {
  /** Blobs per `blobs.missing` call while offers stream in (default {@link STREAM_CHECK_BATCH}). */
  streamBatch?: number;
}

/**
 * Uploads what the project's entity does not hold yet, while the caller is still hashing: offered
 * blobs (deduplicated by digest) are asked about with `blobs.missing` a batch at a time, and each
 * batch's missing blobs go up — small server-bound ones in bundles, the others one PUT (or
 * multipart upload) each, `ctx.transferConcurrency` at a time — as soon as its answer arrives.
 * Bounded: one check in flight, and a check waits until at most one earlier batch is still
 * uploading (upload URLs are not handed out far ahead of their use; memory holds the offered
 * candidates, which the caller holds anyway). The first failure stops new checks and uploads and
 * is thrown by {@link UploadPipeline.finish}.
 */
export function createUploadPipeline(
  ctx: ClientContext,
  project: ProjectRef,
  onProgress: ProgressListener | undefined,
  options: UploadPipelineOptions = {},
): UploadPipeline {
  const streamBatch = options.streamBatch ?? STREAM_CHECK_BATCH;
  const seen = new Set<string>();
  let pending: UploadCandidate[] = [];
  // Totals grow as the checks answer; the tracker reads them live.
  const totals = { phase: "upload" as const, filesTotal: 0, bytesTotal: 0, onProgress };
  let tracker: ProgressTracker | undefined;
  let checking: Promise<void> = Promise.resolve();
  const uploads: Array<Promise<void>> = [];
  let failure: { error: unknown } | undefined;
  let stopped = false;
  const fail = (error: unknown): void => {
    failure ??= { error };
  };
  const halted = () => failure !== undefined || stopped;

  const check = async (batch: UploadCandidate[]): Promise<void> => {
    if (halted()) return;
    // At most one earlier batch still uploading while this one is checked.
    const before = uploads[uploads.length - 2];
    if (before) await before.catch(() => {});
    if (halted()) return;
    const answer = await ctx.call((t) =>
      t.blobs.missing.mutate({
        ...project,
        blobs: batch.map((b) => ({ digest: b.digest, size: b.size })),
      }),
    );
    const byDigest = new Map(batch.map((c) => [c.digest, c]));
    const missing: Missing[] = [];
    for (const m of answer.missing) {
      const candidate = byDigest.get(m.digest);
      if (candidate) missing.push({ candidate, upload: m.upload });
    }
    totals.filesTotal += missing.length;
    totals.bytesTotal += missing.reduce((n, m) => n + m.candidate.size, 0);
    if (missing.length === 0) return;
    tracker ??= createProgressTracker(totals);
    const progress = tracker;
    const target = answer.bundle ?? null;
    const previous = uploads[uploads.length - 1] ?? Promise.resolve();
    const upload = previous
      .catch(() => {})
      .then(() => (halted() ? undefined : uploadBatch(ctx, project, missing, target, progress)));
    upload.catch(fail);
    uploads.push(upload);
  };

  const dispatch = (batch: UploadCandidate[]): void => {
    checking = checking.then(() => check(batch)).catch(fail);
  };

  const add = (candidates: readonly UploadCandidate[], batchSize: number): void => {
    if (halted()) return;
    for (const c of candidates) {
      if (seen.has(c.digest)) continue;
      seen.add(c.digest);
      pending.push(c);
    }
    while (pending.length >= batchSize) dispatch(pending.splice(0, batchSize));
  };

  const settle = async (): Promise<void> => {
    await checking;
    await Promise.allSettled(uploads);
  };

  return {
    offer: (candidates) => add(candidates, streamBatch),
    async finish(candidates = []) {
      add(candidates, MISSING_BATCH);
      for (const batch of chunk(pending, MISSING_BATCH)) dispatch(batch);
      pending = [];
      await settle();
      if (failure) throw failure.error;
      if (tracker && totals.filesTotal > 0) tracker.finish();
      return {
        checkedFiles: seen.size,
        uploadedFiles: totals.filesTotal,
        uploadedBytes: totals.bytesTotal,
      };
    },
    async abandon() {
      stopped = true;
      pending = [];
      await settle();
    },
    get failed() {
      return failure !== undefined;
    },
  };
}

/**
 * Uploads what the project's entity does not hold yet among `candidates` (all known up front):
 * checks in batches of {@link MISSING_BATCH}, each batch's missing blobs uploading while the next
 * is checked. See {@link createUploadPipeline}.
 */
export function uploadMissing(
  ctx: ClientContext,
  project: ProjectRef,
  candidates: readonly UploadCandidate[],
  onProgress: ProgressListener | undefined = ctx.onProgress,
): Promise<UploadStats> {
  return createUploadPipeline(ctx, project, onProgress).finish(candidates);
}
