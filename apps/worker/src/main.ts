import { pino } from "pino";
import { readWorkerEnv } from "./env.js";
import { startWorker } from "./start-worker.js";

/**
 * `cairn worker` / `node dist/main.js`: runs jobs until SIGINT or SIGTERM, then closes gracefully
 * (in-flight jobs finish; a second signal exits at once). Exit code 1 when start-up fails.
 */
async function main(): Promise<void> {
  const env = readWorkerEnv();
  const logger = pino({ level: env.CAIRN_LOG_LEVEL });
  const worker = await startWorker(env, logger).catch((error: unknown) => {
    logger.fatal({ err: error }, "cairn worker failed to start");
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, "cairn worker stopping");
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "cairn worker did not close cleanly");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

await main();
