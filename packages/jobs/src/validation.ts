import { CairnError } from "@cairn/core";
import type {
  JobProcessor,
  PayloadMap,
  PayloadSchemas,
  ProcessorRegistration,
  QueueName,
} from "./types.js";

/** Defaults of {@link ProcessorOptions}; 3 tries over ~3 s rides out a restarting store. */
export const DEFAULT_CONCURRENCY = 1;
export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1000;
/** Backoff never waits longer than an hour, however many attempts were configured. */
export const MAX_BACKOFF_MS = 3_600_000;

/** A registration with every option filled in and checked. */
export interface ResolvedRegistration {
  process: JobProcessor<unknown, unknown>;
  concurrency: number;
  attempts: number;
  backoffMs: number;
}

// Queue names become Redis key parts: `:` separates key parts, so it is refused (BullMQ too).
const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Throws INVALID_INPUT unless `name` is a usable queue name. */
export function assertQueueName(name: string): void {
  if (typeof name !== "string" || !QUEUE_NAME.test(name)) {
    throw new CairnError(
      "INVALID_INPUT",
      `Queue name ${JSON.stringify(name)} is not allowed: use 1–100 letters, digits, "_", "-" or "." starting with a letter or digit (no ":").`,
    );
  }
}

/** Throws INVALID_INPUT unless `jobId` can be used as a job id by both engines. */
export function assertJobId(jobId: string): void {
  const ok =
    typeof jobId === "string" &&
    jobId.length > 0 &&
    jobId.length <= 256 &&
    !jobId.includes(":") &&
    // BullMQ refuses integer custom ids: they would collide with its own counter ids.
    `${Number.parseInt(jobId, 10)}` !== jobId;
  if (!ok) {
    throw new CairnError(
      "INVALID_INPUT",
      `Job id ${JSON.stringify(jobId)} is not allowed: use a non-empty string of at most 256 characters, without ":" and not an integer (e.g. "finish-<draftId>").`,
    );
  }
}

/** Throws INVALID_INPUT unless `value` is a whole number of milliseconds ≥ `min`. */
export function assertMillis(what: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new CairnError(
      "INVALID_INPUT",
      `${what} must be a whole number of milliseconds ≥ ${min}, got ${String(value)}.`,
    );
  }
}

/** Fills in and checks a processor's options. */
export function resolveRegistration(
  queue: string,
  entry: JobProcessor<never, unknown> | ProcessorRegistration<never, unknown>,
): ResolvedRegistration {
  const registration = typeof entry === "function" ? { process: entry } : entry;
  if (typeof registration?.process !== "function") {
    throw new CairnError(
      "INVALID_INPUT",
      `Processor for queue "${queue}" is not a function: pass an async function or { process, options }.`,
    );
  }
  const options = registration.options ?? {};
  const resolved = {
    process: registration.process as JobProcessor<unknown, unknown>,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    attempts: options.attempts ?? DEFAULT_ATTEMPTS,
    backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
  };
  for (const [key, min] of [
    ["concurrency", 1],
    ["attempts", 1],
  ] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < min) {
      throw new CairnError(
        "INVALID_INPUT",
        `${key} for queue "${queue}" must be a whole number ≥ ${min}, got ${String(resolved[key])}.`,
      );
    }
  }
  assertMillis(`backoffMs for queue "${queue}"`, resolved.backoffMs, 0);
  return resolved;
}

/** Delay before retry number `attemptsMade` (1 = first retry): `backoffMs · 2^(attemptsMade−1)`. */
export function backoffDelay(backoffMs: number, attemptsMade: number): number {
  const exponent = Math.max(0, attemptsMade - 1);
  return Math.min(backoffMs * 2 ** exponent, MAX_BACKOFF_MS);
}

/**
 * Checks a payload against the queue's schema, if one was given. On enqueue a mismatch is the
 * caller's mistake (INVALID_INPUT); before processing it makes the job fail permanently.
 */
export function parsePayload<Payloads extends PayloadMap>(
  schemas: PayloadSchemas<Payloads> | undefined,
  queue: QueueName<Payloads>,
  payload: unknown,
): unknown {
  const schema = schemas?.[queue];
  if (!schema) return payload;
  try {
    return schema.parse(payload);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new CairnError(
      "INVALID_INPUT",
      `Payload for queue "${queue}" does not match its schema: ${detail}. Send a payload of the shape the queue's schema describes.`,
      { cause },
    );
  }
}

/**
 * JSON round-trip: what BullMQ does to payloads and results through Redis. The in-process engine
 * applies it too, so a payload that would not survive Redis (BigInt, cycles) fails in development.
 */
export function jsonClone(what: string, value: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new CairnError(
      "INVALID_INPUT",
      `${what} is not JSON-serialisable (${cause instanceof Error ? cause.message : String(cause)}): use plain objects, arrays, strings, numbers, booleans and null.`,
      { cause },
    );
  }
  // `undefined` has no JSON form; BullMQ hands it back as null, and so do we.
  return text === undefined ? null : JSON.parse(text);
}
