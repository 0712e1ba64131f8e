import type { BlobCache } from "../cache/blob-cache.js";
import type { FileHasher } from "../hashing/file-hasher.js";
import type { ProgressListener } from "../progress.js";
import type { ReferenceResolvers } from "../references/reference-resolvers.js";
import type { CommitQueue } from "../transfer/commit-queue.js";
import type { RetryOptions } from "../transport/retry.js";
import type { CairnTrpcClient, RunInfo } from "../transport/router-types.js";
import type { Run } from "./run.js";

/**
 * Everything the SDK's objects (Run, logged Artifact, Api) share, created once by `Cairn`: the
 * typed tRPC client, local machinery (hasher, blob cache, resolvers) and the ordered commit queue.
 * Internal: users see `Cairn`, `Run`, `Api` and `Artifact`.
 */
export interface ClientContext {
  readonly baseUrl: string;
  /** `Bearer <api key>` for routes outside tRPC (the event stream); absent when anonymous. */
  readonly authorization?: string | undefined;
  readonly trpc: CairnTrpcClient;
  /** Runs one server call and turns any failure into a CairnError. */
  call<T>(fn: (trpc: CairnTrpcClient) => Promise<T>): Promise<T>;
  /** fetch used for byte transfers (presigned URLs and the server's byte routes). */
  readonly fetch: typeof fetch;
  readonly hasher: FileHasher;
  readonly cache: BlobCache;
  readonly resolvers: ReferenceResolvers;
  /** Commits of one client are applied in the order they were requested. */
  readonly commits: CommitQueue;
  /** Blob uploads/downloads in flight at once. */
  readonly transferConcurrency: number;
  /** Retries of one byte transfer. */
  readonly retry: RetryOptions;
  readonly onProgress: ProgressListener | undefined;
  /**
   * A `Run` object for a run read from the server (lineage walks: `loggedBy()`, `usedBy()`). Made
   * by the composition root, so a logged artifact can hand out runs without importing run.ts.
   */
  runOf(info: RunInfo): Run;
  /** Default entity/project (options, env, config file; the entity falls back to the user). */
  defaults(): Promise<{ entity: string; project: string | undefined }>;
}
