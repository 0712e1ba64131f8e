import { CairnError } from "@cairn/core";
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
        const { readServerEnv, startServer } =
          await loadHost<typeof import("@cairn/server")>("@cairn/server");
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
        const { readWorkerEnv, startWorker } =
          await loadHost<typeof import("@cairn/worker")>("@cairn/worker");
        const env = readWorkerEnv(deps.env as NodeJS.ProcessEnv);
        const worker = await startWorker(env, pino({ level: env.CAIRN_LOG_LEVEL }));
        await untilSignal();
        await worker.close();
      }),
    "REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://… cairn worker",
  );
}

/**
 * Loads the server or worker host. They are not dependencies of the published CLI (they are
 * private workspace packages with the database, S3 and BullMQ drivers): in the repository they are
 * linked, elsewhere the command says where to get them. The specifier is a variable so bundlers
 * and `tsc` do not turn it into a static dependency.
 */
async function loadHost<T>(specifier: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new CairnError(
      "INVALID_INPUT",
      `This cairn cannot start a ${specifier.slice("@cairn/".length)}: ${specifier} is not installed here. Run it from the Cairn repository (\`pnpm start\`) or the Docker image (docker-compose.yml).`,
      { cause: error },
    );
  }
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
