import { isCairnError } from "@cairn/core";
import { pino } from "pino";
import { readServerEnv } from "./env.js";
import { startServer } from "./start-server.js";

/**
 * `node apps/server/dist/main.js`: reads the environment once, starts the server, and shuts it
 * down gracefully on SIGINT/SIGTERM (a second signal exits at once).
 */
async function main(): Promise<void> {
  const env = readServerEnv();
  const logger = pino({ level: env.CAIRN_LOG_LEVEL });
  const server = await startServer(env, { logger });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without waiting");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    server.stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

main().catch((error: unknown) => {
  // Configuration and "directory in use" problems are the operator's to fix: print the message
  // (it says what to change), not a stack trace.
  if (isCairnError(error)) process.stderr.write(`cairn server: ${error.message}\n`);
  else
    process.stderr.write(
      `cairn server failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  process.exit(1);
});
