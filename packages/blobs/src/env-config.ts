import { join, resolve } from "node:path";
import { CairnError } from "@cairn/core";
import { z } from "zod";
import type { BlobStoreConfig } from "./config.js";

const bool = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

/**
 * The blob-store environment variables, one definition for the server and the worker (each app's
 * env.ts spreads it into its schema), so both read the same store the same way.
 */
export const blobStoreEnvShape = {
  CAIRN_DATA_DIR: z.string().default(".cairn"),
  CAIRN_BLOB_STORE: z.enum(["fs", "s3"]).default("fs"),
  CAIRN_BLOB_DIR: z.string().optional(),
  /** Blobs up to this many bytes are packed (docs/storage.md); 0 keeps one file/object per blob. */
  CAIRN_PACK_THRESHOLD: z.coerce
    .number()
    .int()
    .min(0)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024),
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
};

/** The parsed blob-store variables. */
export type BlobStoreEnv = z.infer<z.ZodObject<typeof blobStoreEnvShape>>;

/** Where the directory blob store lives inside the data directory by default. */
export const BLOBS_SUBDIR = "blobs";

/**
 * The blob store the env describes: a directory (default `<data dir>/blobs`) or an S3 bucket.
 * Refuses (INVALID_INPUT) an S3 store without a bucket and half-set credentials, in both apps.
 */
export function blobStoreConfigFromEnv(env: BlobStoreEnv): BlobStoreConfig {
  if (env.CAIRN_BLOB_STORE === "fs") {
    return {
      kind: "fs",
      root: resolve(env.CAIRN_BLOB_DIR ?? join(env.CAIRN_DATA_DIR, BLOBS_SUBDIR)),
      ...(env.CAIRN_ENCRYPTION_KEY === undefined
        ? {}
        : { encryptionKey: env.CAIRN_ENCRYPTION_KEY }),
      packThreshold: env.CAIRN_PACK_THRESHOLD,
    };
  }
  if (!env.CAIRN_S3_BUCKET) {
    throw new CairnError(
      "INVALID_INPUT",
      "CAIRN_BLOB_STORE=s3 needs CAIRN_S3_BUCKET (and CAIRN_S3_ENDPOINT for a non-AWS server); or set CAIRN_BLOB_STORE=fs.",
    );
  }
  if (Boolean(env.CAIRN_S3_ACCESS_KEY_ID) !== Boolean(env.CAIRN_S3_SECRET_ACCESS_KEY)) {
    throw new CairnError(
      "INVALID_INPUT",
      "Set both CAIRN_S3_ACCESS_KEY_ID and CAIRN_S3_SECRET_ACCESS_KEY, or neither (the AWS default credential chain is then used).",
    );
  }
  const sse =
    env.CAIRN_S3_SSE === "AES256"
      ? { type: "AES256" as const }
      : env.CAIRN_S3_SSE === "aws:kms"
        ? {
            type: "aws:kms" as const,
            ...(env.CAIRN_S3_KMS_KEY_ID ? { kmsKeyId: env.CAIRN_S3_KMS_KEY_ID } : {}),
          }
        : undefined;
  return {
    kind: "s3",
    bucket: env.CAIRN_S3_BUCKET,
    region: env.CAIRN_S3_REGION,
    forcePathStyle: env.CAIRN_S3_FORCE_PATH_STYLE,
    checksumMode: env.CAIRN_S3_CHECKSUM_MODE,
    signSha256Checksum: env.CAIRN_S3_SIGN_CHECKSUM,
    packThreshold: env.CAIRN_PACK_THRESHOLD,
    ...(env.CAIRN_S3_ENDPOINT ? { endpoint: env.CAIRN_S3_ENDPOINT } : {}),
    ...(env.CAIRN_S3_ACCESS_KEY_ID && env.CAIRN_S3_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.CAIRN_S3_ACCESS_KEY_ID,
            secretAccessKey: env.CAIRN_S3_SECRET_ACCESS_KEY,
          },
        }
      : {}),
    ...(sse ? { sse } : {}),
  };
}
