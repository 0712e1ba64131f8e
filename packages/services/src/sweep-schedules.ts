import { parseDuration } from "@cairn/core";
import { z } from "zod";
import type { CairnJobRunner } from "./deps.js";

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          message: error instanceof Error ? error.message : String(error),
        });
        return z.NEVER;
      }
    });

/**
 * The periodic sweeps' environment variables, one definition for the server and the worker (each
 * app's env.ts spreads it into its schema), so a server running jobs honours the same intervals
 * and `CAIRN_NO_SCHEDULES` as a worker instead of overwriting a worker's schedules with its own.
 */
export const sweepScheduleEnvShape = {
  /** Unreferenced blobs younger than this are kept (protects uploads of commits in progress). */
  CAIRN_BLOB_GC_GRACE: duration("1h"),
  /** Unreferenced blobs are collected this often. */
  CAIRN_BLOB_GC_INTERVAL: duration("1h"),
  /** Expired versions are swept this often (a version outlives its TTL by at most this). */
  CAIRN_TTL_EXPIRY_INTERVAL: duration("1m"),
  /**
   * Delivered events older than this are pruned (with their delivery log); a stream resumed from
   * an older position is told it missed events. At least 1h.
   */
  CAIRN_EVENT_RETENTION: duration("30d").refine((ms) => ms >= 3_600_000, {
    message: "must be at least 1h: SSE clients and receivers need time to catch up",
  }),
  /** Delivered events are pruned this often. */
  CAIRN_EVENT_PRUNE_INTERVAL: duration("1h"),
  /** `true`: do not (re)schedule the periodic sweeps from this process. */
  CAIRN_NO_SCHEDULES: z
    .enum(["true", "false", "1", "0", ""])
    .optional()
    .transform((v) => v === "true" || v === "1"),
};

/** The parsed sweep variables (durations in ms). */
export type SweepScheduleEnv = z.infer<z.ZodObject<typeof sweepScheduleEnvShape>>;

/**
 * Schedules the TTL, blob-GC and event-prune sweeps unless `CAIRN_NO_SCHEDULES` (re-scheduling replaces a
 * schedule of the same id, so every process that schedules agrees on one interval).
 */
export async function scheduleSweeps(jobs: CairnJobRunner, env: SweepScheduleEnv): Promise<void> {
  if (env.CAIRN_NO_SCHEDULES) return;
  await jobs.schedule("ttl-expiry", env.CAIRN_TTL_EXPIRY_INTERVAL, {});
  await jobs.schedule("blob-gc", env.CAIRN_BLOB_GC_INTERVAL, { graceMs: env.CAIRN_BLOB_GC_GRACE });
  await jobs.schedule("event-prune", env.CAIRN_EVENT_PRUNE_INTERVAL, {
    retentionMs: env.CAIRN_EVENT_RETENTION,
  });
}
