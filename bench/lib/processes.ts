import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/lib/ → ../..). */
export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** A Cairn server process the benchmark started. */
export interface SpawnedServer {
  baseUrl: string;
  /** The site admin's API key (written to `<data dir>/admin-api-key` on first start). */
  apiKey: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * With `BENCH_PROFILE_DIR` set, every server and worker runs under `node --cpu-prof` and writes
 * its `.cpuprofile` there on exit (open it in Chrome DevTools → Performance).
 */
function profileArgs(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${resolve(dir)}`] : [];
}

/**
 * Starts `node apps/server/dist/main.js` in its own process (so the benchmark's own CPU use and
 * garbage do not mix with the server's) and waits for its banner. `env` adds to a minimal env:
 * nothing from the caller's `DATABASE_URL`/`REDIS_URL` leaks in unless passed explicitly.
 */
export async function spawnServer(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<SpawnedServer> {
  const child = spawn(
    process.execPath,
    [...profileArgs(), join(REPO_ROOT, "apps/server/dist/main.js")],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        CAIRN_PORT: "0",
        CAIRN_DATA_DIR: dataDir,
        CAIRN_LOG_LEVEL: "warn",
        CAIRN_SHUTDOWN_TIMEOUT_MS: "2000",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const baseUrl = await waitForLine(child, /Cairn is serving at (\S+)/, 60_000, "server");
  const apiKey = (await readFile(join(dataDir, "admin-api-key"), "utf8")).trim();
  return { baseUrl, apiKey, pid: child.pid ?? -1, stop: () => stopProcess(child) };
}

/** A worker process (`apps/worker`). */
export interface SpawnedWorker {
  pid: number;
  stop(): Promise<void>;
}

/** Starts `node apps/worker/dist/main.js` with `env` (DATABASE_URL, REDIS_URL, …). */
export async function spawnWorker(env: Record<string, string>): Promise<SpawnedWorker> {
  const child = spawn(
    process.execPath,
    [...profileArgs(), join(REPO_ROOT, "apps/worker/dist/main.js")],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        CAIRN_LOG_LEVEL: "info",
        CAIRN_NO_SCHEDULES: "true",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  // "cairn worker ready" is logged once migrations ran and the BullMQ workers listen.
  await waitForLine(child, /cairn worker ready/, 60_000, "worker");
  return { pid: child.pid ?? -1, stop: () => stopProcess(child) };
}

/** Waits for stdout/stderr to match `pattern`; fails with the process output if it exits first. */
function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
  what: string,
): Promise<string> {
  let output = "";
  return new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        // Keep draining the pipes so the child never blocks on a full buffer; echo warnings.
        child.stdout?.off("data", onData);
        child.stderr?.off("data", onData);
        child.stdout?.resume();
        child.stderr?.on("data", (c: Buffer) => process.stderr.write(`[${what}] ${c}`));
        resolvePromise(match[1] ?? match[0]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code} before it was ready:\n${output}`));
    });
  });
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolvePromise) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolvePromise();
    });
    child.kill("SIGTERM");
  });
}

/** Runs a command to completion; rejects with its stderr on a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolvePromise({ stdout, stderr });
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${stderr}`));
    });
  });
}
