import type { ServiceDeps } from "../deps.js";
import { pruneEvents } from "../events/prune.js";
import { expireVersions } from "./expiry.js";
import { collectGarbage } from "./gc.js";
import { verifyStoredBlob } from "./verify.js";

/**
 * Retention: TTL expiry of versions, garbage collection of unreferenced blobs and stale upload
 * sessions, re-verification of stored bytes and pruning of delivered events. These are the
 * `ttl-expiry`, `blob-gc`, `blob-verify` and `event-prune` job processors; each returns counts
 * for logs and metrics.
 */
export function createRetentionService(deps: ServiceDeps) {
  return {
    /** Deletes expired versions (aliased ones are kept and reported). */
    expireVersions: (payload: { now?: string | undefined } = {}) => expireVersions(deps, payload),
    /** Deletes unreferenced blobs older than `graceMs` and expires stale upload sessions. */
    collectGarbage: (payload: { graceMs: number }) => collectGarbage(deps, payload),
    /** Re-hashes one stored blob; corrupt or missing bytes lose their owners. */
    verifyBlob: (payload: { digest: string }) => verifyStoredBlob(deps, payload),
    /** Deletes events older than `retentionMs` that every matching hook has received. */
    pruneEvents: (payload: { retentionMs: number }) => pruneEvents(deps, payload),
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
