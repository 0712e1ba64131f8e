import { CairnError } from "@cairn/core";
import { webhookEnvShape } from "@cairn/services";
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
  CAIRN_DATA_DIR: z.string().default(".cairn"),
  DATABASE_URL: z.string().optional(),
  /**
   * Most PostgreSQL connections this server holds (ignored for the embedded store). The default
   * comes from the alias-resolution benchmark (bench/README.md); mind `max_connections` when
   * running several servers and workers against one database.
   */
  CAIRN_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  REDIS_URL: z.string().optional(),
  CAIRN_QUEUE_PREFIX: z.string().default("cairn"),
  /** `true`: this server only enqueues; separate `cairn worker` processes run the jobs. */
  CAIRN_NO_WORKERS: bool,
  CAIRN_BLOB_STORE: z.enum(["fs", "s3"]).default("fs"),
  CAIRN_BLOB_DIR: z.string().optional(),
  /** 64 hex chars (32 bytes): AES-256-GCM encryption at rest for the directory store. */
  CAIRN_ENCRYPTION_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (a 32-byte key)")
    .optional(),
  CAIRN_S3_BUCKET: z.string().optional(),
  CAIRN_S3_ENDPOINT: z.url().optional(),
  CAIRN_S3_REGION: z.string().default("us-east-1"),
  CAIRN_S3_ACCESS_KEY_ID: z.string().optional(),
  CAIRN_S3_SECRET_ACCESS_KEY: z.string().optional(),
  CAIRN_S3_FORCE_PATH_STYLE: bool,
  /** `WHEN_REQUIRED` for S3-compatible servers that mangle aws-chunked uploads (s3rver). */
  CAIRN_S3_CHECKSUM_MODE: z.enum(["WHEN_REQUIRED", "WHEN_SUPPORTED"]).default("WHEN_SUPPORTED"),
  /** Sign x-amz-checksum-sha256 into presigned PUTs (the bucket enforces it; else the server verifies). */
  CAIRN_S3_SIGN_CHECKSUM: bool,
  CAIRN_S3_SSE: z.enum(["", "AES256", "aws:kms"]).default(""),
  CAIRN_S3_KMS_KEY_ID: z.string().optional(),
  CAIRN_TLS_CERT: z.string().optional(),
  CAIRN_TLS_KEY: z.string().optional(),
  CAIRN_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
  CAIRN_BLOB_GC_GRACE: z.string().default("1h"),
  CAIRN_WEB_DIR: z.string().optional(),
  /** Name of the site admin created on the first start (an empty database). */
  CAIRN_ADMIN_NAME: z.string().default("admin"),
  /** How long SIGINT/SIGTERM waits for in-flight requests (draftStatus long-polls up to 25 s). */
  CAIRN_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** Webhook delivery: allowed networks, retries, timeouts (see @cairn/services). */
  ...webhookEnvShape,
});

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
