/**
 * `@cairn/client/internal` — building blocks the `cairn` CLI (and Cairn's own benches and tests)
 * use besides the public SDK: the tRPC transport and its error mapping, the settings resolver,
 * the local blob cache, the config file, the file hasher and its digest cache, the directory
 * walker, the reference resolvers, progress tracking and table file naming. They are not part of
 * the SDK's stable API: they may change in any minor release.
 */
export {
  type BlobCache,
  type BlobCacheOptions,
  type BlobCacheStats,
  type BlobSource,
  createBlobCache,
} from "./cache/blob-cache.js";
export { type CacheDirEnv, resolveCacheDir } from "./cache/cache-dir.js";
export {
  type CairnConfig,
  type ConfigDirEnv,
  configFilePath,
  loadConfig,
  loadConfigSync,
  saveConfig,
} from "./config/config-file.js";
export { type ResolvedSettings, resolveSettings } from "./config/settings.js";
export { DigestCache, type FileIdentity } from "./hashing/digest-cache.js";
export {
  createFileHasher,
  DIGEST_CACHE_FILE,
  type FileHasher,
  type FileHasherOptions,
  type FileHashResult,
} from "./hashing/file-hasher.js";
export { nodeSha256 } from "./hashing/node-sha256.js";
export { type WalkedFile, walkFilesSync } from "./local-files.js";
export {
  createProgressTracker,
  type ProgressTracker,
  type ProgressTrackerOptions,
} from "./progress.js";
export { createFileResolver } from "./references/file-resolver.js";
export { createGcsResolver, GCS_DEFAULT_ENDPOINT } from "./references/gcs-resolver.js";
export { createHttpResolver } from "./references/http-resolver.js";
export { createReferenceResolvers } from "./references/reference-resolvers.js";
export { createS3Resolver } from "./references/s3-resolver.js";
export { DEFAULT_MAX_OBJECTS } from "./references/types.js";
export { parseMedia, TABLE_FILE_SUFFIX, tableEntryPath } from "./tables/table-file.js";
export { globToRegExp } from "./transfer/entry-filter.js";
export { toCairnError } from "./transport/errors.js";
export { type CairnTrpcClientOptions, createCairnTrpcClient } from "./transport/trpc-client.js";
