export type { PackEntry, PackIndex, PackMove, PackStats } from "@cairn/core";
export { type BlobStoreConfig, blobStoreConfigSchema, createBlobStore } from "./config.js";
export { assertBlobDigest, isBlobDigest } from "./digest.js";
export {
  BLOBS_SUBDIR,
  type BlobStoreEnv,
  blobStoreConfigFromEnv,
  blobStoreEnvShape,
} from "./env-config.js";
export { createFsBlobStore, type FsBlobStoreOptions } from "./fs/fs-blob-store.js";
export type { CompactOptions, CompactResult } from "./packs/pack-compaction.js";
export type { PackBackend } from "./packs/pack-types.js";
export {
  DEFAULT_PACK_THRESHOLD,
  isPackedStore,
  type PackControl,
  type PackedBlobStore,
} from "./packs/packed-store.js";
export type { RepackResult } from "./packs/repack.js";
export { MAX_PARTS, MIN_PART_SIZE } from "./s3/multipart.js";
export { createS3BlobStore, type S3BlobStoreOptions } from "./s3/s3-blob-store.js";
export type { S3Sse } from "./s3/sse.js";
export type {
  BlobBody,
  BlobInfo,
  BlobStore,
  ByteRange,
  CompletedPart,
  MultipartUpload,
  PresignedRequest,
  PresignOptions,
  PutOptions,
  StagedPut,
  UnsignedMultipartUpload,
  VerifyResult,
} from "./types.js";
