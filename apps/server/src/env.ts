import { blobStoreEnvShape } from "@cairn/blobs";
import { CairnError, type Limits } from "@cairn/core";
import { databaseEnvShape } from "@cairn/db";
import { sweepScheduleEnvShape, webhookEnvShape } from "@cairn/services";
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

/**
 * Every environment variable the server reads, parsed once here and nowhere else. The worker app
 * has its own env.ts for the subset it needs; `docs` in the README list them all.
 */
export const serverEnvSchema = z.object({
  CAIRN_HOST: z.string().default("127.0.0.1"),
  CAIRN_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** Public base URL clients use for byte URLs (behind a proxy); defaults to http(s)://host:port. */
  CAIRN_PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().optional(),
  // CAIRN_DATABASE_POOL_SIZE, CAIRN_DATABASE_LISTEN: shared with the worker (`@cairn/db`).
  ...databaseEnvShape,
  REDIS_URL: z.string().optional(),
  CAIRN_QUEUE_PREFIX: z.string().default("cairn"),
  /** `true`: this server only enqueues; separate `cairn worker` processes run the jobs. */
  CAIRN_NO_WORKERS: bool,
  // CAIRN_DATA_DIR, CAIRN_BLOB_STORE, CAIRN_BLOB_DIR, CAIRN_ENCRYPTION_KEY and CAIRN_S3_*: shared
  // with the worker.
  ...blobStoreEnvShape,
  CAIRN_TLS_CERT: z.string().optional(),
  CAIRN_TLS_KEY: z.string().optional(),
  CAIRN_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
  // CAIRN_BLOB_GC_GRACE, CAIRN_BLOB_GC_INTERVAL, CAIRN_TTL_EXPIRY_INTERVAL, CAIRN_EVENT_RETENTION,
  // CAIRN_EVENT_PRUNE_INTERVAL, CAIRN_NO_SCHEDULES.
  ...sweepScheduleEnvShape,
  CAIRN_WEB_DIR: z.string().optional(),
  /** Name of the site admin created on the first start (an empty database). */
  CAIRN_ADMIN_NAME: z.string().default("admin"),
  /** How long SIGINT/SIGTERM waits for in-flight requests (draftStatus long-polls up to 25 s). */
  CAIRN_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** Limits (issue 14; defaults in @cairn/core DEFAULT_LIMITS): each refused with 413 naming it. */
  CAIRN_MAX_METADATA_BYTES: z.coerce.number().int().min(2).optional(),
  CAIRN_MAX_DESCRIPTION_BYTES: z.coerce.number().int().min(0).optional(),
  CAIRN_MAX_TAGS: z.coerce.number().int().min(0).optional(),
  CAIRN_MAX_ANONYMOUS_BODY_BYTES: z.coerce.number().int().min(1024).optional(),
  CAIRN_MAX_LIST_PAGE_BYTES: z.coerce.number().int().min(1024).optional(),
  /** Webhook delivery: allowed networks, retries, timeouts (see @cairn/services). */
  ...webhookEnvShape,
});

/** The configured limits (unset ones keep core's defaults). */
export function limitsOfEnv(env: ServerEnv): Partial<Limits> {
  const limits: Partial<Limits> = {};
  if (env.CAIRN_MAX_METADATA_BYTES !== undefined)
    limits.metadataBytes = env.CAIRN_MAX_METADATA_BYTES;
  if (env.CAIRN_MAX_DESCRIPTION_BYTES !== undefined)
    limits.descriptionBytes = env.CAIRN_MAX_DESCRIPTION_BYTES;
  if (env.CAIRN_MAX_TAGS !== undefined) limits.tagCount = env.CAIRN_MAX_TAGS;
  if (env.CAIRN_MAX_ANONYMOUS_BODY_BYTES !== undefined)
    limits.anonymousBodyBytes = env.CAIRN_MAX_ANONYMOUS_BODY_BYTES;
  if (env.CAIRN_MAX_LIST_PAGE_BYTES !== undefined)
    limits.listPageBytes = env.CAIRN_MAX_LIST_PAGE_BYTES;
  return limits;
}

export type ServerEnv = z.infer<typeof serverEnvSchema>;

/** Parses `process.env`; a bad value fails start-up with the variable's name and the rule. */
export function readServerEnv(source: NodeJS.ProcessEnv = process.env): ServerEnv {
  const parsed = serverEnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new CairnError(
      "INVALID_INPUT",
      `Invalid Cairn configuration (fix these environment variables):\n${lines.join("\n")}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}
