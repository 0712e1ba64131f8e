import type { startWorker } from "@cairn/worker";

/** The logger type `startWorker` takes (pino's), named without a dependency on pino. */
export type WorkerLogger = Parameters<typeof startWorker>[1];

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
type Level = (typeof LEVELS)[number];

/**
 * A minimal pino-compatible JSON-lines logger for `cairn worker`. The CLI does not depend on
 * pino itself (only the server and worker apps do); this covers the methods the worker calls.
 */
export function createJsonLogger(
  level: string | undefined,
  bindings: Record<string, unknown> = {},
): WorkerLogger {
  const min = Math.max(0, LEVELS.indexOf((level ?? "info") as Level));
  const log =
    (lvl: Level) =>
    (objOrMsg?: unknown, msg?: string): void => {
      if (LEVELS.indexOf(lvl) < min || level === "silent") return;
      const fields =
        typeof objOrMsg === "object" && objOrMsg !== null ? serialize(objOrMsg) : { msg: objOrMsg };
      process.stdout.write(
        `${JSON.stringify({ level: lvl, time: Date.now(), ...bindings, ...fields, ...(msg === undefined ? {} : { msg }) })}\n`,
      );
    };
  const logger = {
    level: level ?? "info",
    child: (more: Record<string, unknown>) => createJsonLogger(level, { ...bindings, ...more }),
    ...Object.fromEntries(LEVELS.map((l) => [l, log(l)])),
    silent: () => {},
  };
  return logger as unknown as WorkerLogger;
}

function serialize(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj };
  const err = (obj as { err?: unknown }).err;
  if (err instanceof Error) out.err = { message: err.message, stack: err.stack };
  return out;
}
