import { CairnError, isCairnError, type ManifestEntry } from "@cairn/core";
import type { Artifact } from "../artifact/artifact.js";
import type { ProgressListener } from "../progress.js";
import type { UploadCandidate, UploadStats } from "../transfer/upload.js";
import { createUploadPipeline, type UploadPipeline } from "../transfer/upload-pipeline.js";
import type { ProjectRef, RunInfo } from "../transport/router-types.js";
import { codeArtifactOfTree, type LogCodeOptions } from "./code-artifacts.js";
import {
  type CommitFields,
  commitVersion,
  ENTRIES_PER_REQUEST,
  finishDraft,
  hasVersionWithDigest,
  localVersionDigest,
  relogVersion,
  upsertPage,
  waitForDraft,
} from "./commit.js";
import type { ClientContext } from "./context.js";
import { loadLoggedArtifact } from "./load-version.js";
import { LogHandle, type LogResult } from "./log-handle.js";
import { LoggedArtifact } from "./logged-artifact.js";
import { wireJson } from "./wire-json.js";

/** Options of `run.logArtifact()`. */
export interface LogArtifactOptions {
  /** Aliases to set on the version (`latest` is always added). */
  aliases?: string[];
  tags?: string[];
  /** `30d`, `none`, `inherit`. */
  ttl?: string;
  onProgress?: ProgressListener;
}

/** Options of `run.upsertArtifact()`. */
export interface UpsertArtifactOptions {
  /** The writers' shared key. Default the run's group. */
  distributedId?: string;
  onProgress?: ProgressListener;
}

/** Options of `run.finishArtifact()`. */
export interface FinishArtifactOptions extends LogArtifactOptions {
  /** The writers' shared key. Default the run's group. */
  distributedId?: string;
}

/**
 * A run: a unit of work (`jobType`, `group`, `config`, `summary`) that logs and uses artifacts,
 * linking them in the lineage graph. Created by `cairn.init()`; also returned by `Api.runs()`.
 */
export class Run {
  /** The server's description of the run (refreshed by `update()` / `finish()`). */
  info: RunInfo;
  readonly #ctx: ClientContext;
  readonly #pending = new Set<Promise<LogResult>>();
  readonly #failures: unknown[] = [];

  /** @internal Created by `Cairn.init()` and `Api`. */
  constructor(ctx: ClientContext, info: RunInfo) {
    this.#ctx = ctx;
    this.info = info;
  }

  get id(): string {
    return this.info.id;
  }
  get entity(): string {
    return this.info.entity;
  }
  get project(): string {
    return this.info.project;
  }
  get jobType(): string | null {
    return this.info.jobType;
  }
  get group(): string | null {
    return this.info.group;
  }
  get config(): Record<string, unknown> {
    return this.info.config as Record<string, unknown>;
  }
  get summary(): Record<string, unknown> {
    return this.info.summary as Record<string, unknown>;
  }

  /**
   * Logs `artifact` as the next version (or finds the identical existing one). Returns at once;
   * `await handle.wait()` gives the logged Artifact. Hashing and uploads of several logs run in
   * parallel, but versions are committed in call order.
   */
  logArtifact(artifact: Artifact, options: LogArtifactOptions = {}): LogHandle {
    const slot = this.#ctx.commits.reserve();
    const fields: CommitFields = {
      name: artifact.name,
      type: artifact.type,
      description: artifact.description,
      metadata: artifact.metadata,
      aliases: options.aliases,
      tags: options.tags,
      ttl: options.ttl,
      runId: this.id,
    };
    const result = (async (): Promise<LogResult> => {
      try {
        const prepared = await this.#prepare(artifact, options.onProgress);
        const { entries } = prepared;
        return await slot.run(async () => {
          let stats = prepared.stats;
          if (prepared.known) {
            // Unchanged contents: aliases move in commit order, no entries or blob checks sent.
            const version = await relogVersion(this.#ctx, this.#ref(), fields, prepared.digest);
            if (version) {
              return {
                artifact: new LoggedArtifact(this.#ctx, version, entries),
                created: false,
                uploadedFiles: 0,
                uploadedBytes: 0,
              };
            }
            // The version went away since the check (deleted): upload and log in full.
            stats = await this.#upload(
              artifact,
              entries,
              createUploadPipeline(
                this.#ctx,
                this.#ref(),
                options.onProgress ?? this.#ctx.onProgress,
              ),
            );
          }
          const { version, created } = await commitVersion(this.#ctx, this.#ref(), fields, entries);
          return {
            artifact: new LoggedArtifact(this.#ctx, version, entries),
            created,
            uploadedFiles: stats.uploadedFiles,
            uploadedBytes: stats.uploadedBytes,
          };
        });
      } finally {
        slot.release();
      }
    })();
    this.#track(result);
    return new LogHandle(result);
  }

  /**
   * Records that this run uses a version: `"name:alias"`, `"project/name:alias"`,
   * `"entity/project/name:alias"` (short forms resolve in the run's project), or an Artifact
   * (a draft is logged first — identical contents reuse the existing version).
   */
  async useArtifact(artifact: string | Artifact): Promise<LoggedArtifact> {
    let ref: string;
    if (typeof artifact === "string") ref = artifact;
    else if (artifact instanceof LoggedArtifact) ref = artifact.qualifiedName;
    else ref = (await this.logArtifact(artifact).wait()).qualifiedName;
    const info = await this.#ctx.call((t) =>
      t.artifacts.use.mutate({ ...this.#ref(), ref, runId: this.id }),
    );
    return loadLoggedArtifact(this.#ctx, info);
  }

  /**
   * Contributes `artifact`'s files to the draft shared by every writer with the same
   * `distributedId` (default the run group). A later upsert of a path replaces an earlier one.
   */
  async upsertArtifact(
    artifact: Artifact,
    options: UpsertArtifactOptions = {},
  ): Promise<{ draftId: string }> {
    const distributedId = this.#distributedId(options.distributedId, "upsertArtifact");
    const { entries } = await this.#prepare(artifact, options.onProgress);
    if (entries.length === 0) {
      throw new CairnError(
        "DRAFT_EMPTY",
        `upsertArtifact(${artifact.name}) has no files: add files before upserting.`,
      );
    }
    let draftId = "";
    for (let i = 0; i < entries.length; i += ENTRIES_PER_REQUEST) {
      const page = entries.slice(i, i + ENTRIES_PER_REQUEST);
      ({ draftId } = await upsertPage(
        this.#ctx,
        this.#ref(),
        { name: artifact.name, type: artifact.type, distributedId, runId: this.id },
        page,
      ));
    }
    return { draftId };
  }

  /**
   * Commits the shared draft of `distributedId` (default the run group) as one version, once every
   * upsert accepted before it is applied; `artifact`'s own files are upserted first. Resolves to
   * the logged version.
   */
  async finishArtifact(
    artifact: Artifact,
    options: FinishArtifactOptions = {},
  ): Promise<LoggedArtifact> {
    const distributedId = this.#distributedId(options.distributedId, "finishArtifact");
    const { entries } = await this.#prepare(artifact, options.onProgress);
    for (let i = 0; i < entries.length; i += ENTRIES_PER_REQUEST) {
      await upsertPage(
        this.#ctx,
        this.#ref(),
        { name: artifact.name, type: artifact.type, distributedId, runId: this.id },
        entries.slice(i, i + ENTRIES_PER_REQUEST),
      );
    }
    const { draftId } = await finishDraft(this.#ctx, this.#ref(), {
      name: artifact.name,
      type: artifact.type,
      distributedId,
      runId: this.id,
      description: artifact.description,
      metadata: artifact.metadata,
      aliases: options.aliases,
      tags: options.tags,
      ttl: options.ttl,
    });
    return loadLoggedArtifact(this.#ctx, await waitForDraft(this.#ctx, draftId));
  }

  /**
   * Logs the source files below `root` (default the working directory) as a `code` artifact that
   * this run logged and used (W&B's `run.log_code`): `include`/`exclude` globs pick the files
   * (default: `.py`, `.ts`, `.js`… files, without `node_modules`, `.git`, virtualenvs). Unchanged
   * code resolves to the existing version.
   */
  async logCode(root = ".", options: LogCodeOptions = {}): Promise<LoggedArtifact> {
    return this.useArtifact(codeArtifactOfTree(root, options));
  }

  /** Versions this run logged. */
  async loggedArtifacts(): Promise<LoggedArtifact[]> {
    const infos = await this.#ctx.call((t) =>
      t.lineage.loggedArtifacts.query({ ...this.#ref(), runId: this.id }),
    );
    return Promise.all(infos.map((info) => loadLoggedArtifact(this.#ctx, info)));
  }

  /** Versions this run used. */
  async usedArtifacts(): Promise<LoggedArtifact[]> {
    const infos = await this.#ctx.call((t) =>
      t.lineage.usedArtifacts.query({ ...this.#ref(), runId: this.id }),
    );
    return Promise.all(infos.map((info) => loadLoggedArtifact(this.#ctx, info)));
  }

  /** Merges `summary` (metrics) and `config` into the run's (shallow merge). */
  async update(values: {
    summary?: Record<string, unknown>;
    config?: Record<string, unknown>;
  }): Promise<RunInfo> {
    this.info = await this.#ctx.call((t) =>
      t.runs.update.mutate({
        ...this.#ref(),
        id: this.id,
        // JSON-ness is checked by the server (zod); the SDK accepts plain objects.
        ...(values.summary === undefined ? {} : { summary: wireJson(values.summary, "summary") }),
        ...(values.config === undefined ? {} : { config: wireJson(values.config, "config") }),
      }),
    );
    return this.info;
  }

  /**
   * Waits for this run's pending logs, then marks it finished (or `failed` when a log failed or
   * `state: "failed"` is given). Rethrows the first failed log.
   */
  async finish(options: { state?: "finished" | "failed" } = {}): Promise<RunInfo> {
    await Promise.allSettled([...this.#pending]);
    const state = options.state ?? (this.#failures.length > 0 ? "failed" : "finished");
    this.info = await this.#ctx.call((t) =>
      t.runs.finish.mutate({ ...this.#ref(), id: this.id, state }),
    );
    const [first] = this.#failures;
    if (first !== undefined) {
      throw isCairnError(first)
        ? first
        : new CairnError("UNAVAILABLE", `A log of run ${this.id} failed: ${String(first)}`, {
            cause: first,
          });
    }
    return this.info;
  }

  #ref(): ProjectRef {
    return { entity: this.info.entity, project: this.info.project };
  }

  #track(result: Promise<LogResult>): void {
    this.#pending.add(result);
    result.then(
      () => this.#pending.delete(result),
      (error) => {
        this.#pending.delete(result);
        this.#failures.push(error);
      },
    );
  }

  #distributedId(given: string | undefined, method: string): string {
    const id = given ?? this.info.group ?? undefined;
    if (!id) {
      throw new CairnError(
        "INVALID_INPUT",
        `${method} needs a distributedId shared by all writers: pass { distributedId } or start the runs with cairn.init({ group }).`,
      );
    }
    return id;
  }

  /**
   * Hashes the draft and computes its version digest locally. When a committed version already
   * has that digest (an unchanged re-log), nothing more is uploaded and `known` is set; otherwise
   * the blobs the project's entity does not hold yet are uploaded (before the commit's turn, so
   * several logs upload in parallel). Hashing, missing-checks and uploads overlap: files read by
   * the hasher (not those the digest cache knew: an unchanged re-log asks nothing before its
   * version digest is known) are checked and uploaded in batches while the rest is hashed.
   */
  async #prepare(
    artifact: Artifact,
    onProgress: ProgressListener | undefined,
  ): Promise<{ entries: ManifestEntry[]; stats: UploadStats; digest: string; known: boolean }> {
    const progress = onProgress ?? this.#ctx.onProgress;
    const pipeline = createUploadPipeline(this.#ctx, this.#ref(), progress);
    let entries: ManifestEntry[];
    let digest: string;
    let known: boolean;
    try {
      entries = [
        ...(await artifact.resolveEntries({
          hasher: this.#ctx.hasher,
          resolvers: this.#ctx.resolvers,
          onProgress: progress,
          onHashed: (files) =>
            pipeline.offer(
              files.map((f) => ({ digest: f.digest, size: f.size, localPath: f.path })),
            ),
        })),
      ];
      digest = localVersionDigest(entries);
      known = await hasVersionWithDigest(
        this.#ctx,
        this.#ref(),
        artifact.name,
        artifact.type,
        digest,
      );
    } catch (error) {
      // Hashing (a file changed, a duplicate path) or the look-up failed: that error is the answer.
      await pipeline.abandon();
      throw error;
    }
    if (known) {
      await pipeline.abandon();
      return {
        entries,
        stats: { checkedFiles: 0, uploadedFiles: 0, uploadedBytes: 0 },
        digest,
        known,
      };
    }
    const stats = await this.#upload(artifact, entries, pipeline);
    return { entries, stats, digest, known };
  }

  /** Uploads the blobs of `entries` the project's entity does not hold yet. */
  async #upload(
    artifact: Artifact,
    entries: readonly ManifestEntry[],
    pipeline: UploadPipeline,
  ): Promise<UploadStats> {
    const candidates: UploadCandidate[] = [];
    for (const e of entries) {
      if (e.ref !== undefined || e.size === null) continue;
      const localPath = artifact.localPathOf(e.path);
      // Entries without a local file were carried over from a logged version: already stored.
      if (localPath) candidates.push({ digest: e.digest, size: e.size, localPath });
    }
    return pipeline.finish(candidates);
  }
}
