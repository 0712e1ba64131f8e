import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is `tests/scale-out/processes.ts`; the fault suite reuses it). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Which build of the apps to run: the compiled `dist` (what ships) or the sources through tsx. */
export type EntryKind = "dist" | "source";

/**
 * `dist` when both apps are built (the root `pnpm test` builds them first), else the sources.
 * `CAIRN_TEST_ENTRY=source|dist` forces one (source: no build needed while developing).
 */
export function entryKind(): EntryKind {
  const forced = process.env.CAIRN_TEST_ENTRY;
  if (forced === "dist" || forced === "source") return forced;
  const built = ["apps/server/dist/main.js", "apps/worker/dist/main.js"].every((p) =>
    existsSync(join(REPO_ROOT, p)),
  );
  return built ? "dist" : "source";
}

/** One spawned `apps/server` or `apps/worker` process. */
export interface AppProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed (pino JSON lines and, for the server, the banner). */
  output: string[];
  /** Resolves with the exit code or signal once it exited. */
  exited: Promise<number | string>;
  /** The pino records it logged so far, parsed. */
  records(): Array<Record<string, unknown>>;
}

/**
 * Spawns `app` (server or worker) with `env` on top of this process's environment and resolves
 * once a log record with message `readyMsg` appears; rejects with its output if it exits first.
 */
export async function spawnApp(
  app: "server" | "worker",
  name: string,
  env: Record<string, string>,
  readyMsg: string,
  readyTimeoutMs = 60_000,
): Promise<AppProcess> {
  const kind = entryKind();
  const args =
    kind === "dist"
      ? [join(REPO_ROOT, `apps/${app}/dist/main.js`)]
      : [
          "--conditions=@cairn/source",
          "--import",
          "tsx",
          join(REPO_ROOT, `apps/${app}/src/main.ts`),
        ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const records = (): Array<Record<string, unknown>> =>
    output
      .join("")
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${name} not ready after ${readyTimeoutMs} ms:\n${output.join("")}`));
    }, readyTimeoutMs);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString("utf8"));
      if (records().some((r) => r.msg === readyMsg)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(`${name} exited (${String(code)}) before it was ready:\n${output.join("")}`),
      );
    });
  });
  return { name, child, output, exited, records };
}

/** SIGTERM (graceful), then SIGKILL after `timeoutMs`; resolves once the process is gone. */
export async function stopApp(app: AppProcess, timeoutMs = 15_000): Promise<number | string> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return app.exited;
  app.child.kill("SIGTERM");
  const timer = setTimeout(() => app.child.kill("SIGKILL"), timeoutMs);
  try {
    return await app.exited;
  } finally {
    clearTimeout(timer);
  }
}
