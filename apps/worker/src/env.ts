import { join, resolve } from "node:path";
import type { BlobStoreConfig } from "@cairn/blobs";
import { parseDuration } from "@cairn/core";
import { webhookEnvShape } from "@cairn/services";
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");
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
  CAIRN_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL"),
  CAIRN_QUEUE_PREFIX: z.string().default("cairn"),
  /** Public URL of the servers; jobs never build byte URLs, but the services want one. */
  CAIRN_PUBLIC_URL: z.url().default("http://127.0.0.1:8787"),
  CAIRN_DATA_DIR: z.string().default(".cairn"),
  CAIRN_BLOB_STORE: z.enum(["fs", "s3"]).default("fs"),
  CAIRN_BLOB_DIR: z.string().optional(),
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
  CAIRN_S3_CHECKSUM_MODE: z.enum(["WHEN_REQUIRED", "WHEN_SUPPORTED"]).default("WHEN_SUPPORTED"),
  CAIRN_S3_SIGN_CHECKSUM: bool,
  CAIRN_S3_SSE: z.enum(["", "AES256", "aws:kms"]).default(""),
  CAIRN_S3_KMS_KEY_ID: z.string().optional(),
  CAIRN_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
  /** Unreferenced blobs younger than this are kept (protects uploads of commits in progress). */
  CAIRN_BLOB_GC_GRACE: duration("1h"),
  CAIRN_BLOB_GC_INTERVAL: duration("1h"),
  CAIRN_TTL_EXPIRY_INTERVAL: duration("5m"),
  /** `true`: do not (re)schedule the periodic sweeps from this worker. */
  CAIRN_NO_SCHEDULES: bool,
  /** BullMQ job lock; a crashed worker's jobs are retried by another after about this long. */
  CAIRN_JOB_LOCK_MS: millis,
  CAIRN_JOB_STALLED_INTERVAL_MS: millis,
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

/** The blob store the env describes, the same way the server reads it. */
export function blobStoreConfigOf(env: WorkerEnv): BlobStoreConfig {
  if (env.CAIRN_BLOB_STORE === "fs") {
    return {
      kind: "fs",
      root: resolve(env.CAIRN_BLOB_DIR ?? join(env.CAIRN_DATA_DIR, "blobs")),
      ...(env.CAIRN_ENCRYPTION_KEY === undefined
        ? {}
        : { encryptionKey: env.CAIRN_ENCRYPTION_KEY }),
    };
  }
  if (!env.CAIRN_S3_BUCKET) {
    throw new Error(
      "CAIRN_BLOB_STORE=s3 needs CAIRN_S3_BUCKET (and CAIRN_S3_ENDPOINT for a non-AWS server).",
    );
  }
  return {
    kind: "s3",
    bucket: env.CAIRN_S3_BUCKET,
    region: env.CAIRN_S3_REGION,
    forcePathStyle: env.CAIRN_S3_FORCE_PATH_STYLE,
    checksumMode: env.CAIRN_S3_CHECKSUM_MODE,
    signSha256Checksum: env.CAIRN_S3_SIGN_CHECKSUM,
    ...(env.CAIRN_S3_ENDPOINT ? { endpoint: env.CAIRN_S3_ENDPOINT } : {}),
    ...(env.CAIRN_S3_ACCESS_KEY_ID && env.CAIRN_S3_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.CAIRN_S3_ACCESS_KEY_ID,
            secretAccessKey: env.CAIRN_S3_SECRET_ACCESS_KEY,
          },
        }
      : {}),
    ...(env.CAIRN_S3_SSE === "AES256"
      ? { sse: { type: "AES256" as const } }
      : env.CAIRN_S3_SSE === "aws:kms"
        ? {
            sse: {
              type: "aws:kms" as const,
              ...(env.CAIRN_S3_KMS_KEY_ID ? { kmsKeyId: env.CAIRN_S3_KMS_KEY_ID } : {}),
            },
          }
        : {}),
  };
}
