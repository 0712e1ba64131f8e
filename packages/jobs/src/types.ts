/**
 * The one job-runner interface Cairn's server and worker code talk to. Two engines implement it:
 * BullMQ on Redis (`createBullmqRunner`) and an in-memory engine (`createInProcessRunner`) that is
 * the embedded default. Both run the same plain processor functions with the same semantics, so a
 * deployment can move from one machine to a worker fleet without touching job code.
 */

/** Payload type per queue name, e.g. `{ upsert: UpsertPayload; finish: FinishPayload }`. */
export type PayloadMap = Record<string, unknown>;

/** Result type per queue name; defaults to `unknown` for every queue. */
export type ResultMap<Payloads extends PayloadMap> = { [Q in keyof Payloads]: unknown };

/** The queue names of a payload map (string keys only: queue names cross process boundaries). */
export type QueueName<Payloads extends PayloadMap> = Extract<keyof Payloads, string>;

/** What a processor learns about the job it is running. */
export interface JobContext {
  /** The job's id (the deterministic id given at enqueue, or a generated UUID). */
  jobId: string;
  /** 1 for the first try, 2 for the first retry, … (a stalled re-run keeps its attempt number). */
  attempt: number;
  /** Aborted when the engine gives up on this run (BullMQ: the job's lock was lost). */
  signal?: AbortSignal;
}

/**
 * A job processor: a plain async function of the payload. Results must be JSON-serialisable
 * (BullMQ stores them in Redis; the in-process engine round-trips them through JSON too, so a
 * result that only works embedded is caught in development). `undefined` comes back as `null`.
 */
export type JobProcessor<Payload, Result = unknown> = (
  payload: Payload,
  ctx: JobContext,
) => Promise<Result>;

/** How a queue's jobs are run. Retry policy lives with the processor so producers need not know it. */
export interface ProcessorOptions {
  /** Jobs of this queue run at once in this process (per worker process for BullMQ). Default 1. */
  concurrency?: number;
  /** Total tries including the first. Default 3. Permanent failures are never retried. */
  attempts?: number;
  /** First retry delay; each further retry doubles it (exponential backoff). Default 1000 ms. */
  backoffMs?: number;
}

/** A processor with its options, as registered for one queue. */
export interface ProcessorRegistration<Payload, Result = unknown> {
  process: JobProcessor<Payload, Result>;
  options?: ProcessorOptions;
}

/** The processors a host runs: one per queue it works on (a bare function uses the defaults). */
export type Processors<Payloads extends PayloadMap, Results extends ResultMap<Payloads>> = {
  [Q in QueueName<Payloads>]?:
    | JobProcessor<Payloads[Q], Results[Q]>
    | ProcessorRegistration<Payloads[Q], Results[Q]>;
};

/** Options of {@link JobRunner.enqueue}. */
export interface EnqueueOptions {
  /**
   * A deterministic id dedupes: enqueueing an id whose job is waiting, delayed, active or
   * completed recently (still retained) is a no-op. A job that failed is replaced and runs again.
   * Must not contain `:` nor be an integer (BullMQ reserves those forms).
   */
  jobId?: string;
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
}

/** Options of {@link JobRunner.schedule}. */
export interface ScheduleOptions {
  /**
   * Identifies the schedule; scheduling again with the same id replaces it (so every server that
   * boots can call `schedule` without piling up duplicates). Defaults to the queue name.
   */
  schedulerId?: string;
}

/** Job counts of one queue, for metrics. */
export interface JobCounts {
  /** Ready to run, waiting for a free worker slot. */
  waiting: number;
  /** Waiting for a delay or a retry backoff to pass (includes the next scheduled run). */
  delayed: number;
  active: number;
  /** Failed and still retained. */
  failed: number;
  /** Completed and still retained. */
  completed: number;
}

/** Structural schema (zod-compatible) used to validate a queue's payloads at both ends. */
export interface PayloadSchema<Payload> {
  parse(input: unknown): Payload;
}

/** Optional validation of payloads: on enqueue (user error) and before processing (permanent). */
export type PayloadSchemas<Payloads extends PayloadMap> = {
  [Q in QueueName<Payloads>]?: PayloadSchema<Payloads[Q]>;
};

/** Receives errors the engine cannot throw to a caller (connection drops, worker internals). */
export type ErrorSink = (error: Error, source: string) => void;

/**
 * Enqueue jobs, wait for them, schedule repeatable ones, and (optionally) run workers. A host may
 * be a producer only (an API server with a separate worker fleet) or a producer with workers.
 */
export interface JobRunner<
  Payloads extends PayloadMap,
  Results extends ResultMap<Payloads> = ResultMap<Payloads>,
> {
  /** Adds a job; with a deterministic `jobId` a duplicate is a no-op. Returns the job's id. */
  enqueue<Q extends QueueName<Payloads>>(
    queue: Q,
    payload: Payloads[Q],
    options?: EnqueueOptions,
  ): Promise<{ jobId: string }>;
  /**
   * Resolves with the job's result once it completes (even when a worker in another process ran
   * it); rejects with the job's failure (a `CairnError` with the processor's code when it threw
   * one, else a `JobFailedError`), with `NOT_FOUND` for an unknown id, and with `UNAVAILABLE` when
   * `timeoutMs` passes first.
   */
  waitFor<Q extends QueueName<Payloads>>(
    queue: Q,
    jobId: string,
    options: { timeoutMs: number },
  ): Promise<Results[Q]>;
  /** Runs `payload` on `queue` every `everyMs` (first run now); re-scheduling replaces. */
  schedule<Q extends QueueName<Payloads>>(
    queue: Q,
    everyMs: number,
    payload: Payloads[Q],
    options?: ScheduleOptions,
  ): Promise<void>;
  /** Starts processing the given queues in this process. A queue can be registered once. */
  startWorkers(processors: Processors<Payloads, Results>): Promise<void>;
  /** Job counts of one queue. */
  counts(queue: QueueName<Payloads>): Promise<JobCounts>;
  /** Graceful: stops taking jobs, lets in-flight jobs finish, then releases connections/timers. */
  close(): Promise<void>;
}
