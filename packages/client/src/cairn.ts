import { CairnError } from "@cairn/core";
import { createBlobCache } from "./cache/blob-cache.js";
import { resolveCacheDir } from "./cache/cache-dir.js";
import type { CairnConfig } from "./config/config-file.js";
import { resolveSettings, type SettingsEnv } from "./config/settings.js";
import { createFileHasher, type FileHasher } from "./hashing/file-hasher.js";
import type { ProgressListener } from "./progress.js";
import {
  createReferenceResolvers,
  type ReferenceResolversOptions,
} from "./references/reference-resolvers.js";
import { Api } from "./remote/api.js";
import { codeArtifactOfScript } from "./remote/code-artifacts.js";
import type { ClientContext } from "./remote/context.js";
import { Run } from "./remote/run.js";
import { createCommitQueue } from "./transfer/commit-queue.js";
import type { RetryOptions } from "./transport/retry.js";
import type { CairnTrpcClient, RouterInputs } from "./transport/router-types.js";
import { callServer, createCairnTrpcClient } from "./transport/trpc-client.js";

/** Options of `new Cairn()`. Every connection setting defaults from env, then the config file. */
export interface CairnOptions extends CairnConfig {
  /** Environment to read `CAIRN_*`, `XDG_*` from. Default `process.env`. */
  env?: SettingsEnv & { CAIRN_CACHE_DIR?: string | undefined; XDG_CACHE_HOME?: string | undefined };
  /** Config file path. Default `$XDG_CONFIG_HOME/cairn/config.json`. */
  configPath?: string;
  /** Local cache (digests, blobs). Default `CAIRN_CACHE_DIR` / `$XDG_CACHE_HOME/cairn` / `~/.cache/cairn`. */
  cacheDir?: string;
  /** Byte transfers in flight at once. Default 8. */
  transferConcurrency?: number;
  /** Retries of requests and transfers (connection failures, 503, 5xx). */
  retry?: RetryOptions;
  /** Credentials and endpoints of s3/gs/http reference resolvers. */
  references?: Omit<ReferenceResolversOptions, "hasher">;
  /** Receives hash/upload/download progress of every operation. */
  onProgress?: ProgressListener;
  /** fetch implementation (tests, proxies). */
  fetch?: typeof fetch;
  /**
   * The file hasher (tests, embedders). Default: SHA-256 on worker threads with the digest cache
   * in `cacheDir`. `close()` closes it.
   */
  hasher?: FileHasher;
}

/** Options of `cairn.init()`. */
export type InitOptions = Omit<RouterInputs["runs"]["init"], "entity" | "project"> & {
  entity?: string;
  project?: string;
  /**
   * Save the program's main script (`true`: `process.argv[1]`; or a path) as a `code` artifact
   * the run logs and uses, as W&B's `save_code`. A whole tree: `run.logCode(root)`.
   */
  saveCode?: boolean | string;
};

/**
 * The client of one Cairn server. `init()` starts (or resumes) a run that logs and uses
 * artifacts; `api()` queries outside a run. Commits from one instance are ordered: versions
 * logged in a loop are numbered in call order. Call `close()` when done (stops hashing threads).
 */
export class Cairn {
  readonly baseUrl: string;
  /** The typed tRPC client (every procedure of the server, for what the SDK does not wrap). */
  readonly trpc: CairnTrpcClient;
  readonly #ctx: ClientContext;
  #defaults: Promise<{ entity: string; project: string | undefined }> | undefined;

  constructor(options: CairnOptions = {}) {
    const env = options.env ?? process.env;
    const settings = resolveSettings(options, env, options.configPath);
    this.baseUrl = settings.baseUrl;
    const retry = options.retry ?? {};
    this.trpc = createCairnTrpcClient({
      baseUrl: settings.baseUrl,
      apiKey: settings.apiKey,
      retry,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    const cacheDir = options.cacheDir ?? resolveCacheDir(env);
    const hasher = options.hasher ?? createFileHasher({ cacheDir });
    const trpc = this.trpc;
    const baseUrl = settings.baseUrl;
    this.#ctx = {
      baseUrl,
      authorization: settings.apiKey ? `Bearer ${settings.apiKey}` : undefined,
      trpc,
      call: (fn) => callServer(baseUrl, () => fn(trpc)),
      fetch: options.fetch ?? fetch,
      hasher,
      cache: createBlobCache({ dir: cacheDir }),
      resolvers: createReferenceResolvers({ ...options.references, hasher }),
      commits: createCommitQueue(),
      transferConcurrency: options.transferConcurrency ?? 8,
      retry,
      onProgress: options.onProgress,
      runOf: (info) => new Run(this.#ctx, info),
      defaults: () => {
        if (!this.#defaults) {
          const loading = this.#loadDefaults(settings.entity, settings.project);
          this.#defaults = loading;
          // A failed look-up (server down) is retried by the next call, not cached.
          loading.catch(() => {
            if (this.#defaults === loading) this.#defaults = undefined;
          });
        }
        return this.#defaults;
      },
    };
  }

  /**
   * Starts a run in the default (or given) project — or resumes one by `id` with
   * `resume: "allow" | "must"`.
   */
  async init(options: InitOptions): Promise<Run> {
    const defaults = await this.#ctx.defaults();
    const project = options.project ?? defaults.project;
    if (project === undefined) {
      throw new CairnError(
        "INVALID_INPUT",
        "cairn.init() needs a project: pass { project }, set CAIRN_PROJECT, or new Cairn({ project }).",
      );
    }
    const { saveCode, ...input } = options;
    const info = await this.#ctx.call((t) =>
      t.runs.init.mutate({ ...input, entity: options.entity ?? defaults.entity, project }),
    );
    const run = new Run(this.#ctx, info);
    if (saveCode) await run.useArtifact(codeArtifactOfScript(saveCode));
    return run;
  }

  /** Queries outside a run. */
  api(): Api {
    return new Api(this.#ctx);
  }

  /** Saves the digest cache and stops the hashing threads. */
  async close(): Promise<void> {
    await this.#ctx.hasher.close();
  }

  async #loadDefaults(
    entity: string | undefined,
    project: string | undefined,
  ): Promise<{ entity: string; project: string | undefined }> {
    if (entity !== undefined) return { entity, project };
    // No entity configured: the signed-in user's own.
    const me = await this.#ctx.call((t) => t.accounts.whoami.query());
    return { entity: me.user.name, project };
  }
}
