import {
  Cairn,
  type CairnOptions,
  type CairnTrpcClient,
  type LoggedArtifact,
  type ProgressListener,
} from "@cairn/client";
import {
  configFilePath,
  loadConfigSync,
  resolveCacheDir,
  toCairnError,
} from "@cairn/client/internal";
import {
  CairnError,
  formatReference,
  parseReference,
  type QualifiedArtifactRef,
  qualifyReference,
} from "@cairn/core";
import type { Command } from "commander";
import { createOutput, type Output, type Streams } from "./output.js";

/** The environment `cairn` reads (injected so the program runs in tests without `process.env`). */
export type CliEnv = Record<string, string | undefined>;

/** What every command needs: output, env, and a lazily created, signed-in client. */
export interface CliContext {
  env: CliEnv;
  output: Output;
  /** The client for this invocation (created on first use; refuses when nobody logged in). */
  cairn(options?: { onProgress?: ProgressListener }): Cairn;
  /** Calls the typed tRPC client for what the SDK does not wrap, with the SDK's error mapping. */
  call<T>(fn: (trpc: CairnTrpcClient) => Promise<T>): Promise<T>;
  /** Qualifies a reference with the default entity (the signed-in user's) and project. */
  qualify(ref: string): Promise<QualifiedArtifactRef>;
  /** `entity/project/name:selector` of `ref` qualified, the form every SDK call takes unambiguously. */
  versionRef(ref: string): Promise<string>;
  /** The version `ref` names, fetched with its manifest. */
  artifact(ref: string): Promise<LoggedArtifact>;
  /** `{ entity, project }` of `project` (or the default project). */
  project(project?: string): Promise<{ entity: string; project: string }>;
  /** The default entity: `CAIRN_ENTITY`/config, else the signed-in user. */
  entity(): Promise<string>;
  /** The local cache directory. */
  cacheDir(): string;
  /** Closes clients (digest cache, hashing threads). */
  close(): Promise<void>;
}

/** Dependencies of the program: streams and environment. */
export interface CliDeps {
  streams: Streams;
  env: CliEnv;
  /** Where a command that finished without throwing leaves its exit code (e.g. verify → 7). */
  result: { exitCode: number };
}

/** Builds the context of one command from its (global) flags. */
export function createContext(deps: CliDeps, command: Command): CliContext {
  const flags = command.optsWithGlobals<{ json?: boolean; quiet?: boolean }>();
  const output = createOutput(deps.streams, flags);
  const env = deps.env;
  const clients: Cairn[] = [];
  let primary: Cairn | undefined;
  let entity: Promise<string> | undefined;

  const make = (options: Pick<CairnOptions, "onProgress"> = {}): Cairn => {
    assertLoggedIn(env);
    const cairn = new Cairn({
      env,
      cacheDir: resolveCacheDir(env),
      // The CLI is interactive: a dead server should fail in seconds, not after a long backoff.
      retry: { attempts: Number(env.CAIRN_RETRY_ATTEMPTS ?? 3), baseMs: 100 },
      ...options,
    });
    clients.push(cairn);
    return cairn;
  };
  const client = (): Cairn => {
    primary ??= make();
    return primary;
  };
  const call = async <T>(fn: (trpc: CairnTrpcClient) => Promise<T>): Promise<T> => {
    const c = client();
    try {
      return await fn(c.trpc);
    } catch (error) {
      throw toCairnError(error, c.baseUrl);
    }
  };
  const defaultEntity = (): Promise<string> => {
    entity ??= (async () => {
      const configured = env.CAIRN_ENTITY || loadConfigSync(configFilePath(env)).entity;
      if (configured) return configured;
      const me = await call((t) => t.accounts.whoami.query());
      return me.user.name;
    })();
    return entity;
  };
  const defaultProject = (): string | undefined =>
    env.CAIRN_PROJECT || loadConfigSync(configFilePath(env)).project;

  const qualify = async (ref: string): Promise<QualifiedArtifactRef> => {
    // Parse first: a malformed reference is a usage error even when the server is down.
    const parsed = parseReference(ref);
    assertLoggedIn(env);
    return qualifyReference(parsed, {
      project: defaultProject(),
      entity: parsed.entity === undefined ? await defaultEntity() : undefined,
    });
  };

  return {
    env,
    output,
    cairn: (options) => (options?.onProgress ? make(options) : client()),
    call,
    entity: defaultEntity,
    qualify,
    versionRef: async (ref) => fullRef(await qualify(ref)),
    artifact: async (ref) =>
      client()
        .api()
        .artifact(fullRef(await qualify(ref))),
    async project(name) {
      assertLoggedIn(env);
      const project = name ?? defaultProject();
      if (!project) {
        throw new CairnError(
          "INVALID_INPUT",
          "No project given: pass it as an argument, set CAIRN_PROJECT, or store one with `cairn login --project NAME`.",
        );
      }
      const slash = project.indexOf("/");
      if (slash !== -1)
        return { entity: project.slice(0, slash), project: project.slice(slash + 1) };
      return { entity: await defaultEntity(), project };
    },
    cacheDir: () => resolveCacheDir(env),
    async close() {
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

/** Refuses early, with the fix, when no server was configured (no `cairn login`, no env). */
export function assertLoggedIn(env: CliEnv): void {
  if (env.CAIRN_BASE_URL) return;
  const path = configFilePath(env);
  if (loadConfigSync(path).baseUrl) return;
  throw new CairnError(
    "UNAUTHORIZED",
    `Not logged in: no Cairn server is configured (no CAIRN_BASE_URL and no ${path}). Run \`cairn login --base-url URL\` or set CAIRN_BASE_URL and CAIRN_API_KEY.`,
  );
}

/** `entity/project/name:selector`: a qualified reference as one string. */
function fullRef(ref: QualifiedArtifactRef): string {
  return `${ref.entity}/${ref.project}/${formatReference({ name: ref.name, selector: ref.selector })}`;
}
