/**
 * `@cairn/client/internal` — building blocks the `cairn` CLI uses besides the public SDK: the
 * local blob cache, the config file, the file hasher and its digest cache, and the directory
 * walker. They are not part of the SDK's stable API: they may change in any minor release.
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
