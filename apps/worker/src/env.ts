import { type BlobStoreConfig, blobStoreConfigFromEnv, blobStoreEnvShape } from "@cairn/blobs";
import { databaseEnvShape } from "@cairn/db";
import { sweepScheduleEnvShape, webhookEnvShape } from "@cairn/services";
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");
const millis = z.coerce.number().int().min(100).optional();

/**
 * Every environment variable the worker reads, parsed once here and nowhere else. A worker always
 * works against the shared PostgreSQL and Redis (several workers and servers share them); the blob
 * store settings are the server's (`apps/server/src/env.ts`), so both see the same bytes.
 */
export const workerEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(
      /^postgres(ql)?:\/\//,
      "must be a postgres:// URL: workers share the server's PostgreSQL",
    ),
  /** A schema holding Cairn's tables (default: the server's search_path); used for isolation. */
  CAIRN_DATABASE_SCHEMA: z.string().optional(),
  // CAIRN_DATABASE_POOL_SIZE, CAIRN_DATABASE_LISTEN: as the server reads them (`@cairn/db`).
  ...databaseEnvShape,
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL"),
  CAIRN_QUEUE_PREFIX: z.string().default("cairn"),
  /** Public URL of the servers; jobs never build byte URLs, but the services want one. */
  CAIRN_PUBLIC_URL: z.url().default("http://127.0.0.1:8787"),
  // The blob store exactly as the server reads it (`@cairn/blobs`): both see the same bytes.
  ...blobStoreEnvShape,
  CAIRN_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
  // The sweeps exactly as the server schedules them (`@cairn/services`).
  ...sweepScheduleEnvShape,
  /** BullMQ job lock; a crashed worker's jobs are retried by another after about this long. */
  CAIRN_JOB_LOCK_MS: millis,
  CAIRN_JOB_STALLED_INTERVAL_MS: millis,
  /**
   * Serve Prometheus metrics (job durations and counts per queue, queue depths) at
   * `http://CAIRN_METRICS_HOST:CAIRN_METRICS_PORT/metrics`; unset: no metrics endpoint; `0`: any
   * free port (logged with "cairn worker ready").
   */
  CAIRN_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Interface of the metrics endpoint; `0.0.0.0` in a container Prometheus scrapes. */
  CAIRN_METRICS_HOST: z.string().default("127.0.0.1"),
  /** Webhook delivery: allowed networks, retries, timeouts (see @cairn/services). */
  ...webhookEnvShape,
});

export type WorkerEnv = z.infer<typeof workerEnvSchema>;

/** Parses `process.env`; a bad or missing value fails start-up with the variable's name and rule. */
export function readWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const parsed = workerEnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid Cairn worker configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** The blob store the env describes, the same way the server reads it (`@cairn/blobs`). */
export function blobStoreConfigOf(env: WorkerEnv): BlobStoreConfig {
  return blobStoreConfigFromEnv(env);
}
