/**
 * `@cairn/client` — the typed Cairn SDK, as users see it: `Cairn`, `Run`, `Artifact`, `Api`, the
 * logged artifacts they return, tables, webhook verification, `CairnError` with its codes, and
 * the types of every option and answer. Building blocks the `cairn` CLI uses besides these (the
 * transport, caches, config file, hasher, resolvers) are in `@cairn/client/internal`.
 * `public-api.test.ts` pins the list of values exported here.
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
export type { SettingsEnv } from "./config/settings.js";
export type { ProgressEvent, ProgressListener, ProgressPhase } from "./progress.js";
export type { GcsResolverOptions } from "./references/gcs-resolver.js";
export type { HttpResolverOptions } from "./references/http-resolver.js";
export type {
  AddReferenceOptions,
  ReferenceResolvers,
  ReferenceResolversOptions,
} from "./references/reference-resolvers.js";
export type { S3ResolverOptions } from "./references/s3-resolver.js";
export type {
  ResolveReferenceOptions,
  SchemeResolver,
  VerifyResult,
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
export type { ArtifactMedia } from "./tables/table-file.js";
export type { DownloadStats } from "./transfer/download.js";
export type { EntryFilter } from "./transfer/entry-filter.js";
export type { UploadStats } from "./transfer/upload.js";
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
export { verifyWebhook } from "./webhooks/verify-webhook.js";
