import type { JobPayloads } from "@cairn/core";
import type { ProcessorOptions, Processors } from "@cairn/jobs";
import type { Services } from "./create-services.js";
import { deliverHook } from "./events/deliver.js";

/**
 * Retry policy per queue. Merges are small and many (32 writers × many pages), so they run
 * widely in parallel; commits lock one draft each and are heavier, so fewer at once, with more
 * patience (a deadlock or a dropped connection is worth retrying). Sweeps run one at a time:
 * they are idempotent and a second concurrent sweep would only race the first.
 */
export const PROCESSOR_OPTIONS = {
  upsert: { concurrency: 8, attempts: 5, backoffMs: 500 },
  finish: { concurrency: 2, attempts: 5, backoffMs: 1_000 },
  "ttl-expiry": { concurrency: 1, attempts: 3, backoffMs: 5_000 },
  "blob-gc": { concurrency: 1, attempts: 3, backoffMs: 5_000 },
  "blob-verify": { concurrency: 2, attempts: 3, backoffMs: 2_000 },
  // Retries of a delivery are scheduled in the database (per-hook order, the delivery log); a
  // job failing here is an infrastructure error (database down), retried a few times.
  "webhook-deliver": { concurrency: 8, attempts: 3, backoffMs: 1_000 },
  "event-prune": { concurrency: 1, attempts: 3, backoffMs: 5_000 },
} as const satisfies Record<keyof JobPayloads, Required<ProcessorOptions>>;

/**
 * The processor of every queue in core's `QUEUE_NAMES`, over the composed services. The server
 * (embedded or with workers) and the worker app both register exactly this map, so the in-process
 * and BullMQ engines run the same code with the same policy.
 */
export function createProcessors(
  services: Services,
): Processors<JobPayloads, { [Q in keyof JobPayloads]: unknown }> {
  const finishAttempts = PROCESSOR_OPTIONS.finish.attempts;
  return {
    upsert: {
      process: (payload) => services.drafts.applyUpsert(payload),
      options: PROCESSOR_OPTIONS.upsert,
    },
    finish: {
      process: (payload, ctx) =>
        services.drafts.commit(payload, { lastAttempt: ctx.attempt >= finishAttempts }),
      options: PROCESSOR_OPTIONS.finish,
    },
    "ttl-expiry": {
      process: (payload) => services.retention.expireVersions(payload),
      options: PROCESSOR_OPTIONS["ttl-expiry"],
    },
    "blob-gc": {
      process: (payload) => services.retention.collectGarbage(payload),
      options: PROCESSOR_OPTIONS["blob-gc"],
    },
    "blob-verify": {
      process: (payload) => services.retention.verifyBlob(payload),
      options: PROCESSOR_OPTIONS["blob-verify"],
    },
    "webhook-deliver": {
      process: (payload) => deliverHook(services.deps, payload),
      options: PROCESSOR_OPTIONS["webhook-deliver"],
    },
    "event-prune": {
      process: (payload) => services.retention.pruneEvents(payload),
      options: PROCESSOR_OPTIONS["event-prune"],
    },
  };
}
