import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const MAIN = join(REPO_ROOT, "apps/worker/src/main.ts");

/** One `apps/worker` child process. */
export interface WorkerChild {
  name: string;
  process: ChildProcess;
  /** Everything it logged (pino JSON lines), for assertions and failure messages. */
  output: string[];
  /** Resolves with the exit code (or signal name) once it exited. */
  exited: Promise<number | string>;
}

/**
 * Spawns the real worker entry point (`src/main.ts`) as a child process, running the TypeScript
 * through tsx and resolving workspace packages to their sources (`--conditions=@cairn/source`),
 * so the test needs no build. Resolves once the worker logged that it is ready.
 */
export async function spawnWorker(
  name: string,
  env: Record<string, string>,
  readyTimeoutMs = 30_000,
): Promise<WorkerChild> {
  const child = spawn(process.execPath, ["--conditions=@cairn/source", "--import", "tsx", MAIN], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, CAIRN_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`worker ${name} not ready after ${readyTimeoutMs} ms:\n${output.join("")}`),
        ),
      readyTimeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString("utf8"));
      if (output.join("").includes("cairn worker ready")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `worker ${name} exited (${String(code)}) before it was ready:\n${output.join("")}`,
        ),
      );
    });
  });
  await ready;
  return { name, process: child, output, exited };
}

/** Stops a worker gracefully (SIGTERM) and waits for it; SIGKILL if it does not exit in time. */
export async function stopWorker(
  worker: WorkerChild,
  timeoutMs = 15_000,
): Promise<number | string> {
  if (worker.process.exitCode !== null || worker.process.signalCode !== null) return worker.exited;
  worker.process.kill("SIGTERM");
  const timer = setTimeout(() => worker.process.kill("SIGKILL"), timeoutMs);
  try {
    return await worker.exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Deletes every Redis key under `prefix:` (what `obliterate` does per queue) in one server-side
 * script, spoken in raw RESP: the worker app does not depend on ioredis directly.
 */
export function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix))
    throw new Error(`unsafe Redis prefix ${JSON.stringify(prefix)}`);
  const url = new URL(redisUrl);
  const args = [
    "EVAL",
    "local keys = redis.call('KEYS', ARGV[1]) for i = 1, #keys, 1000 do redis.call('UNLINK', unpack(keys, i, math.min(i + 999, #keys))) end return #keys",
    "0",
    `${prefix}:*`,
  ];
  const command = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname || "127.0.0.1", port: Number(url.port || 6379) });
    socket.setTimeout(5000, () => socket.destroy(new Error("Redis did not answer the cleanup")));
    socket.on("error", reject);
    socket.on("connect", () => socket.write(command));
    socket.on("data", (chunk) => {
      socket.end();
      const reply = chunk.toString("utf8");
      if (reply.startsWith("-")) reject(new Error(`Redis refused the cleanup: ${reply}`));
      else resolve();
    });
  });
}
