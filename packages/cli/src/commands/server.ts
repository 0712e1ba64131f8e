import type { Command } from "commander";
import { pino } from "pino";
import type { CliDeps } from "../context.js";
import { example } from "./action.js";

/** `cairn server` and `cairn worker`: long-running processes, stopped by SIGINT/SIGTERM. */
export function registerServerCommands(program: Command, deps: CliDeps): void {
  example(
    program
      .command("server")
      .description(
        "start the Cairn server (embedded PGlite + directory store + in-process jobs unless DATABASE_URL / REDIS_URL / S3 settings say otherwise)",
      )
      .action(async () => {
        // Loaded on demand: the server pulls in PGlite, S3 and BullMQ, which every other
        // command would otherwise pay for at start-up.
        const { readServerEnv, startServer } = await import("@cairn/server");
        const server = await startServer(readServerEnv(deps.env as NodeJS.ProcessEnv));
        await untilSignal();
        await server.stop();
      }),
    "cairn server",
    "CAIRN_PORT=9000 cairn server",
  );
  example(
    program
      .command("worker")
      .description(
        "run background jobs (draft merges, TTL, GC) for a server started with REDIS_URL",
      )
      .action(async () => {
        const { readWorkerEnv, startWorker } = await import("@cairn/worker");
        const env = readWorkerEnv(deps.env as NodeJS.ProcessEnv);
        const worker = await startWorker(env, pino({ level: env.CAIRN_LOG_LEVEL }));
        await untilSignal();
        await worker.close();
      }),
    "REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://… cairn worker",
  );
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}
