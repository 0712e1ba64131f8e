/**
 * `@cairn/client` — the typed Cairn SDK. This part holds everything that runs on the client's own
 * machine: building artifacts, hashing, reference resolvers, the local blob cache, tables and
 * progress events. The transport (Run, Api) plugs into these interfaces.
 */

// Errors: users handle failures without importing @cairn/core.
export {
  CairnError,
  type CairnErrorCode,
  ERROR_CODES,
  ERRORS,
  type ErrorSpec,
  isCairnError,
} from "@cairn/core";
export {
  Artifact,
  type ArtifactOptions,
  type EntryReader,
  type LoggedVersion,
  type OverwriteOption,
  type ResolveEntriesOptions,
} from "./artifact/artifact.js";
export { ArtifactManifest } from "./artifact/manifest-view.js";
export type { ArtifactFileWriter } from "./artifact/new-file-writer.js";
export { Cairn, type CairnOptions, type InitOptions } from "./cairn.js";
export { type ResolvedSettings, resolveSettings, type SettingsEnv } from "./config/settings.js";
export {
  createProgressTracker,
  type ProgressEvent,
  type ProgressListener,
  type ProgressPhase,
  type ProgressTracker,
  type ProgressTrackerOptions,
} from "./progress.js";
export { createFileResolver } from "./references/file-resolver.js";
export {
  createGcsResolver,
  GCS_DEFAULT_ENDPOINT,
  type GcsResolverOptions,
} from "./references/gcs-resolver.js";
export { createHttpResolver, type HttpResolverOptions } from "./references/http-resolver.js";
export {
  type AddReferenceOptions,
  createReferenceResolvers,
  type ReferenceResolvers,
  type ReferenceResolversOptions,
} from "./references/reference-resolvers.js";
export { createS3Resolver, type S3ResolverOptions } from "./references/s3-resolver.js";
export {
  DEFAULT_MAX_OBJECTS,
  type ResolveReferenceOptions,
  type SchemeResolver,
  type VerifyResult,
} from "./references/types.js";
export { Api, type ArtifactDiff, type RunsQuery } from "./remote/api.js";
export type { LogCodeOptions } from "./remote/code-artifacts.js";
export type { EventGap, EventsOptions } from "./remote/event-stream.js";
export { LogHandle, type LogResult } from "./remote/log-handle.js";
export {
  type DownloadOptions,
  type LineageRun,
  LoggedArtifact,
  type LoggedEntry,
  type VerifyProblem,
  type VerifyReport,
} from "./remote/logged-artifact.js";
export {
  type FinishArtifactOptions,
  type LogArtifactOptions,
  Run,
  type UpsertArtifactOptions,
} from "./remote/run.js";
export { PartitionedTable, type PartitionedTableJson } from "./tables/partitioned-table.js";
export { Table, type TableCell, type TableJson, type TableOptions } from "./tables/table.js";
export {
  type ArtifactMedia,
  parseMedia,
  TABLE_FILE_SUFFIX,
  tableEntryPath,
} from "./tables/table-file.js";
export type { DownloadStats } from "./transfer/download.js";
export { type EntryFilter, globToRegExp } from "./transfer/entry-filter.js";
export type { UploadStats } from "./transfer/upload.js";
export { toCairnError } from "./transport/errors.js";
export type { RetryOptions } from "./transport/retry.js";
export type {
  CairnTrpcClient,
  ProjectInfo,
  ProjectRef,
  RouterInputs,
  RouterOutputs,
  RunInfo,
  VersionInfo,
} from "./transport/router-types.js";
export { type CairnTrpcClientOptions, createCairnTrpcClient } from "./transport/trpc-client.js";
export { verifyWebhook } from "./webhooks/verify-webhook.js";
