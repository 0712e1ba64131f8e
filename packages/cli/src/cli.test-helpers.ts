import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTestServer, type TestServer, type TestServerOptions } from "@cairn/api/testing";

const PKG = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(PKG, "dist", "bin.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds `dist/` when it is missing or older than `src/` (tests spawn the BUILT cli). */
export function ensureBuilt(): void {
  if (existsSync(BIN) && statSync(BIN).mtimeMs >= newestMtime(join(PKG, "src"))) return;
  execFileSync(
    process.execPath,
    [join(PKG, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: PKG,
      stdio: "inherit",
    },
  );
}

/** What one `cairn …` spawn did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** `JSON.parse(stdout)` (for `--json`). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary --json documents.
  json<T = any>(): T;
}

/** Spawns `node dist/bin.js …args` with exactly `env` (plus PATH/HOME) in `cwd`. */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; input?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: options.cwd,
        env: { PATH: process.env.PATH ?? "", HOME: env.HOME ?? tmpdir(), ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({
          code,
          stdout,
          stderr,
          json: () => {
            try {
              return JSON.parse(stdout);
            } catch {
              throw new Error(`not JSON (exit ${code}): ${stdout}\nstderr: ${stderr}`);
            }
          },
        });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** A running server, a scratch dir, and a `cairn` bound to the admin's `default` project. */
export interface CliHarness {
  server: TestServer;
  dir: string;
  /** Env signed in as the admin in project `default`, with temp config and cache dirs. */
  env: Record<string, string>;
  cairn(
    args: string[],
    options?: { env?: Record<string, string>; cwd?: string; input?: string },
  ): Promise<CliRun>;
  close(): Promise<void>;
}

/** Starts a test server on `engine` and returns the harness. */
export async function startCliHarness(engine: TestServerOptions): Promise<CliHarness> {
  ensureBuilt();
  const server = await startTestServer(engine);
  const dir = mkdtempSync(join(tmpdir(), "cairn-cli-"));
  const env = {
    HOME: join(dir, "home"),
    XDG_CONFIG_HOME: join(dir, "config"),
    CAIRN_CACHE_DIR: join(dir, "cache"),
    CAIRN_BASE_URL: server.baseUrl,
    CAIRN_API_KEY: server.adminKey,
    CAIRN_PROJECT: "default",
    CAIRN_RETRY_ATTEMPTS: "1",
  };
  return {
    server,
    dir,
    env,
    cairn: (args, options = {}) =>
      spawnCli(args, options.env ?? env, { cwd: options.cwd ?? dir, input: options.input }),
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
