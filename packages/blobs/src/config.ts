import type { PackIndex } from "@cairn/core";
import { CairnError } from "@cairn/core";
import { z } from "zod";
import { createFsBlobStore } from "./fs/fs-blob-store.js";
import { createS3BlobStore } from "./s3/s3-blob-store.js";
import type { BlobStore } from "./types.js";

const fsConfigSchema = z.object({
  kind: z.literal("fs"),
  /** Directory of the store. */
  root: z.string().min(1),
  /** 32-byte AES-256 key as 64 hex or base64 characters; enables encryption at rest. */
  encryptionKey: z.string().min(1).optional(),
  /** Largest blob kept in a pack when a pack index is given (bytes; default 4 MiB). */
  packThreshold: z
    .int()
    .min(0)
    .max(64 * 1024 * 1024)
    .optional(),
});

const s3ConfigSchema = z.object({
  kind: z.literal("s3"),
  bucket: z.string().min(3).max(63),
  endpoint: z.url().optional(),
  region: z.string().min(1).default("us-east-1"),
  credentials: z
    .object({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().min(1).optional(),
    })
    .optional(),
  forcePathStyle: z.boolean().default(false),
  prefix: z.string().default("blobs/"),
  // AWS defaults; s3rver and several S3-compatible servers need WHEN_REQUIRED and no checksum.
  checksumMode: z.enum(["WHEN_REQUIRED", "WHEN_SUPPORTED"]).default("WHEN_SUPPORTED"),
  signSha256Checksum: z.boolean().default(true),
  sse: z
    .discriminatedUnion("type", [
      z.object({ type: z.literal("AES256") }),
      z.object({ type: z.literal("aws:kms"), kmsKeyId: z.string().min(1).optional() }),
    ])
    .optional(),
  uploadPartSize: z
    .int()
    .min(5 * 1024 * 1024)
    .optional(),
  uploadConcurrency: z.int().min(1).max(64).optional(),
  /** Largest blob kept in a pack object when a pack index is given (bytes; default 4 MiB). */
  packThreshold: z
    .int()
    .min(0)
    .max(64 * 1024 * 1024)
    .optional(),
});

/** The configuration of a blob store: a directory (`kind: "fs"`) or a bucket (`kind: "s3"`). */
export const blobStoreConfigSchema = z.discriminatedUnion("kind", [fsConfigSchema, s3ConfigSchema]);

/** Blob store configuration as written by a user (defaults optional). */
export type BlobStoreConfig = z.input<typeof blobStoreConfigSchema>;

/**
 * Validates `config` and builds the matching store. Throws `INVALID_INPUT` listing every problem
 * (path and reason) when the configuration is wrong.
 */
export function createBlobStore(
  config: BlobStoreConfig,
  extras: { packIndex?: PackIndex } = {},
): BlobStore {
  const parsed = blobStoreConfigSchema.safeParse(config);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "(config)"}: ${issue.message}`)
      .join("; ");
    throw new CairnError(
      "INVALID_INPUT",
      `Invalid blob store configuration — ${problems}. Use { kind: "fs", root } or { kind: "s3", bucket, region, … }.`,
      { cause: parsed.error, details: { issues: parsed.error.issues } },
    );
  }
  const value = parsed.data;
  if (value.kind === "fs") {
    return createFsBlobStore({
      root: value.root,
      ...(value.encryptionKey === undefined ? {} : { encryptionKey: value.encryptionKey }),
      ...packing(extras.packIndex, value.packThreshold),
    });
  }
  const {
    kind: _kind,
    endpoint,
    credentials,
    sse,
    uploadPartSize,
    uploadConcurrency,
    packThreshold,
    ...rest
  } = value;
  return createS3BlobStore({
    ...rest,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials: stripUndefined(credentials) }),
    ...(sse === undefined ? {} : { sse }),
    ...(uploadPartSize === undefined ? {} : { uploadPartSize }),
    ...(uploadConcurrency === undefined ? {} : { uploadConcurrency }),
    ...packing(extras.packIndex, packThreshold),
  });
}

/** Pack options: none without an index; a threshold of 0 turns packing off. */
function packing(
  packIndex: PackIndex | undefined,
  threshold: number | undefined,
): { packIndex?: PackIndex; packThreshold?: number } {
  if (!packIndex || threshold === 0) return {};
  return threshold === undefined ? { packIndex } : { packIndex, packThreshold: threshold };
}

function stripUndefined(credentials: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
  const { sessionToken, ...rest } = credentials;
  return sessionToken === undefined ? rest : { ...rest, sessionToken };
}
