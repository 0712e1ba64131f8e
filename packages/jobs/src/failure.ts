import { CairnError, ERRORS, isCairnError, isErrorCode } from "@cairn/core";
import { UnrecoverableError } from "bullmq";

/**
 * Marks an error as permanent: the job fails now with this reason, whatever attempts remain.
 * Returns BullMQ's `UnrecoverableError` (so raw BullMQ code recognises it too) with `cause` kept.
 */
export function permanentFailure(error: unknown): UnrecoverableError {
  const marked = new UnrecoverableError(encodeFailureReason(error));
  (marked as { cause?: unknown }).cause = error;
  return marked;
}

/**
 * True when retrying cannot help: an `UnrecoverableError`, or a CairnError whose code the error
 * table (`ERRORS` in `@cairn/core`) marks not `retryable` — user mistakes fail the job at once,
 * while a store that is down, a draft still being applied or a concurrency conflict are retried.
 * Errors that are not CairnErrors (driver errors) are retried too.
 */
export function isPermanentFailure(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  if ((error as { name?: unknown }).name === "UnrecoverableError") return true;
  return isCairnError(error) && isErrorCode(error.code) && !ERRORS[error.code].retryable;
}

/**
 * The failure reason stored with a failed job. A CairnError keeps its code as a `[CODE] ` prefix
 * so `waitFor` in another process can rebuild it (the server maps codes to HTTP statuses); the
 * prefix also reads well in a BullMQ dashboard.
 */
export function encodeFailureReason(error: unknown): string {
  if (isCairnError(error)) return `[${error.code}] ${error.message}`;
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === "object" && error !== null && "message" in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

/**
 * A job that failed for a reason that was not a CairnError (a bug, a driver error). Identified by
 * `name` like CairnError, so duplicated package copies still recognise it.
 */
export class JobFailedError extends Error {
  override readonly name = "JobFailedError";
  readonly queue: string;
  readonly jobId: string;
  /** The failure reason recorded with the job. */
  readonly reason: string;

  constructor(queue: string, jobId: string, reason: string) {
    super(`Job ${jobId} on queue "${queue}" failed: ${reason}`);
    this.queue = queue;
    this.jobId = jobId;
    this.reason = reason;
  }
}

/** True for a {@link JobFailedError} from any copy of this package. */
export function isJobFailedError(value: unknown): value is JobFailedError {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { name?: unknown }).name === "JobFailedError"
  );
}

const CODE_PREFIX = /^\[([A-Z_]+)\] ([\s\S]*)$/;

/** Rebuilds the error `waitFor` throws from a stored failure reason (see {@link encodeFailureReason}). */
export function decodeFailureReason(queue: string, jobId: string, reason: string): Error {
  const match = CODE_PREFIX.exec(reason);
  const code = match?.[1];
  if (match && isErrorCode(code)) {
    return new CairnError(code, match[2] ?? "", { details: { queue, jobId } });
  }
  return new JobFailedError(queue, jobId, reason);
}

/** The UNAVAILABLE error `waitFor` throws when a job has not finished in time. */
export function waitTimeoutError(
  queue: string,
  jobId: string,
  timeoutMs: number,
  state: string,
): CairnError {
  return new CairnError(
    "UNAVAILABLE",
    `Job ${jobId} on queue "${queue}" did not finish within ${timeoutMs} ms (it is ${state}): check that a worker runs for this queue and is healthy, or wait longer.`,
    { details: { queue, jobId, timeoutMs, state } },
  );
}

/** The NOT_FOUND error `waitFor` throws for an id the queue does not hold. */
export function jobNotFoundError(queue: string, jobId: string): CairnError {
  return new CairnError(
    "NOT_FOUND",
    `No job ${jobId} on queue "${queue}": it was never enqueued there, or it finished long enough ago to be removed (see the runner's retention options).`,
    { details: { queue, jobId } },
  );
}

/** The UNAVAILABLE error for calls on a runner that was closed. */
export function runnerClosedError(operation: string): CairnError {
  return new CairnError(
    "UNAVAILABLE",
    `Cannot ${operation}: this job runner was closed. Create a new runner (close() is meant for shutdown).`,
  );
}
