import { randomUUID } from "node:crypto";
import { CairnError } from "@cairn/core";
import { type Job, type JobsOptions, Queue, QueueEvents, Worker } from "bullmq";
import {
  decodeFailureReason,
  encodeFailureReason,
  isPermanentFailure,
  jobNotFoundError,
  permanentFailure,
  runnerClosedError,
  waitTimeoutError,
} from "../failure.js";
import { DEFAULT_RETENTION, type RetentionOptions } from "../retention-options.js";
import type {
  ErrorSink,
  JobCounts,
  JobRunner,
  PayloadMap,
  PayloadSchemas,
  ResultMap,
} from "../types.js";
import {
  assertJobId,
  assertMillis,
  assertQueueName,
  backoffDelay,
  jsonClone,
  parsePayload,
  type ResolvedRegistration,
  resolveRegistration,
} from "../validation.js";
import { type BullmqConnection, createRedisClients } from "./redis-clients.js";

export type { BullmqConnection } from "./redis-clients.js";

/** Worker timings; defaults are BullMQ's. Tests shorten them to see stalled recovery quickly. */
export interface BullmqWorkerSettings {
  /** How long a worker's lock on a job lasts without renewal (renewed at half). Default 30 000. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose lock expired (their worker died). Default 30 000. */
  stalledIntervalMs?: number;
  /** Stalls a job survives before it is failed (a job that kills its worker). Default 1. */
  maxStalledCount?: number;
  /** Seconds an idle worker blocks waiting for jobs. Default 5. */
  drainDelaySec?: number;
}

/** Options of {@link createBullmqRunner}. */
export interface BullmqRunnerOptions<Payloads extends PayloadMap> {
  connection: BullmqConnection;
  /** Namespace of every Redis key, so several deployments (or tests) share one Redis. Default "cairn". */
  prefix?: string;
  /** How long a producer call waits for a first connection before UNAVAILABLE. Default 2000. */
  connectTimeoutMs?: number;
  worker?: BullmqWorkerSettings;
  /** How long finished jobs are kept in Redis (for dedupe and `waitFor`); bounds Redis memory. */
  retention?: RetentionOptions;
  /** Validate payloads on enqueue and before processing (e.g. core's zod schemas). */
  schemas?: PayloadSchemas<Payloads>;
  /** Errors no caller can receive (connection drops, worker internals). Default: console.error. */
  onError?: ErrorSink;
}

/**
 * Attempts stamped on every job. The real retry policy is the processor's (`attempts` option),
 * applied by the worker, which turns the last failure into an `UnrecoverableError`; so producers
 * (an API server) need not know each queue's policy, and changing it needs no re-enqueue.
 */
const JOB_ATTEMPTS_CEILING = 1_000_000;
/** Backoff type resolved by the worker's `backoffStrategy` (the processor's `backoffMs`). */
const BACKOFF_TYPE = "cairn-exponential";

/**
 * The scaled engine: BullMQ on Redis. One `Queue` per queue name, `Worker`s when
 * {@link JobRunner.startWorkers} is called, `waitFor` through `QueueEvents` (so it works whichever
 * process ran the job), repeatable jobs through job schedulers, and stalled-job recovery: a job
 * whose worker died is picked up by another worker after `lockDurationMs`.
 */
export function createBullmqRunner<
  Payloads extends PayloadMap,
  Results extends ResultMap<Payloads> = ResultMap<Payloads>,
>(options: BullmqRunnerOptions<Payloads>): JobRunner<Payloads, Results> {
  const prefix = options.prefix ?? "cairn";
  if (typeof prefix !== "string" || prefix.length === 0) {
    throw new CairnError(
      "INVALID_INPUT",
      'BullMQ prefix must be a non-empty string, e.g. "cairn".',
    );
  }
  const onError: ErrorSink =
    options.onError ?? ((error, source) => console.error(`[cairn/jobs] ${source}:`, error));
  const clients = createRedisClients(options.connection, options.connectTimeoutMs ?? 2000, onError);
  const retention = { ...DEFAULT_RETENTION, ...options.retention };
  const jobOptions: JobsOptions = {
    attempts: JOB_ATTEMPTS_CEILING,
    backoff: { type: BACKOFF_TYPE },
    // BullMQ keeps ages in seconds; pruning happens as later jobs finish.
    removeOnComplete: {
      age: Math.ceil(retention.completedAgeMs / 1000),
      count: retention.completedCount,
    },
    removeOnFail: { age: Math.ceil(retention.failedAgeMs / 1000), count: retention.failedCount },
  };
  const queues = new Map<string, Promise<Queue>>();
  const events = new Map<string, Promise<QueueEvents>>();
  const workers = new Map<string, Worker>();
  let closing = false;
  let closed: Promise<void> | undefined;

  const queueFor = (name: string): Promise<Queue> => {
    assertQueueName(name);
    let queue = queues.get(name);
    if (!queue) {
      // Created only once Redis answers: a Queue on a dead connection waits for ever.
      queue = clients.producer().then((connection) => {
        const created = new Queue(name, { connection, prefix, defaultJobOptions: jobOptions });
        created.on("error", (error) => onError(error, `queue ${name}`));
        return created;
      });
      queue.catch(() => queues.delete(name)); // retry the connection on the next call
      queues.set(name, queue);
    }
    return queue;
  };

  const eventsFor = (name: string): Promise<QueueEvents> => {
    let listener = events.get(name);
    if (!listener) {
      listener = (async () => {
        // Read the event stream from its current end, not from "$" at the first XREAD: a job that
        // finishes while the listener is starting would otherwise be missed by waitUntilFinished.
        const queue = await queueFor(name);
        const producer = await clients.producer();
        const last = await producer.xrevrange(queue.keys.events ?? "", "+", "-", "COUNT", 1);
        const lastEventId = last[0]?.[0] ?? "0-0";
        const created = new QueueEvents(name, {
          connection: clients.blocking(),
          prefix,
          lastEventId,
        });
        created.on("error", (error) => onError(error, `queue events ${name}`));
        await created.waitUntilReady();
        return created;
      })();
      listener.catch(() => events.delete(name));
      events.set(name, listener);
    }
    return listener;
  };

  const redis = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw clients.unavailable(operation, error);
    }
  };

  const checkedPayload = (queue: string, payload: unknown): unknown =>
    parsePayload(
      options.schemas,
      queue as never,
      jsonClone(`Payload for queue "${queue}"`, payload),
    );

  const processorFor = (name: string, registration: ResolvedRegistration) => {
    // Three parameters: BullMQ passes an AbortSignal only to processors that accept one.
    return async (job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> => {
      const attempt = job.attemptsMade + 1;
      const jobId = job.id ?? "";
      try {
        const payload = parsePayload(options.schemas, name as never, job.data);
        const ctx = signal ? { jobId, attempt, signal } : { jobId, attempt };
        return jsonClone(
          `Result of job ${jobId} on queue "${name}"`,
          await registration.process(payload, ctx),
        );
      } catch (error) {
        if (isPermanentFailure(error) || attempt >= registration.attempts) {
          throw permanentFailure(error);
        }
        throw new Error(encodeFailureReason(error), { cause: error });
      }
    };
  };

  const runner: JobRunner<Payloads, Results> = {
    async enqueue(queue, payload, enqueueOptions = {}) {
      if (closing) throw runnerClosedError(`enqueue on "${queue}"`);
      const jobId = enqueueOptions.jobId ?? randomUUID();
      assertJobId(jobId);
      const delayMs = enqueueOptions.delayMs ?? 0;
      assertMillis("delayMs", delayMs, 0);
      const data = checkedPayload(queue, payload);
      const q = await queueFor(queue);
      await redis(`enqueue job ${jobId} on "${queue}"`, async () => {
        // BullMQ ignores an add whose id exists in any state; a failed job should run again.
        if ((await q.getJobState(jobId)) === "failed") await q.remove(jobId);
        await q.add(queue, data, { jobId, delay: delayMs });
      });
      return { jobId };
    },

    async waitFor(queue, jobId, { timeoutMs }) {
      assertMillis("timeoutMs", timeoutMs, 1);
      if (closing) throw runnerClosedError(`wait for job ${jobId}`);
      const q = await queueFor(queue);
      const job = await redis(`read job ${jobId}`, () => q.getJob(jobId));
      if (!job) throw jobNotFoundError(queue, jobId);
      const listener = await redis(`listen for job ${jobId}`, () => eventsFor(queue));
      const started = Date.now();
      try {
        return (await job.waitUntilFinished(listener, timeoutMs)) as Results[typeof queue];
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (closing) throw runnerClosedError(`wait for job ${jobId}`);
        if (Date.now() - started >= timeoutMs && message.includes("timed out before finishing")) {
          const state = await job.getState().catch(() => "unknown");
          throw waitTimeoutError(queue, jobId, timeoutMs, state === "wait" ? "waiting" : state);
        }
        throw decodeFailureReason(queue, jobId, message);
      }
    },

    async schedule(queue, everyMs, payload, scheduleOptions = {}) {
      if (closing) throw runnerClosedError(`schedule on "${queue}"`);
      assertMillis("everyMs", everyMs, 1);
      const schedulerId = scheduleOptions.schedulerId ?? queue;
      assertJobId(schedulerId);
      const data = checkedPayload(queue, payload);
      const q = await queueFor(queue);
      await redis(`schedule "${schedulerId}" on "${queue}"`, () =>
        q.upsertJobScheduler(
          schedulerId,
          { every: everyMs },
          { name: queue, data, opts: jobOptions },
        ),
      );
    },

    async startWorkers(processors) {
      if (closing) throw runnerClosedError("start workers");
      const resolved: Array<[string, ResolvedRegistration]> = [];
      for (const [queue, entry] of Object.entries(processors)) {
        if (entry === undefined) continue;
        assertQueueName(queue);
        if (workers.has(queue)) {
          throw new CairnError(
            "CONFLICT",
            `Queue "${queue}" already has a processor in this runner: register each queue once.`,
          );
        }
        resolved.push([queue, resolveRegistration(queue, entry as never)]);
      }
      await clients.producer(); // fail fast at boot when Redis is unreachable
      const settings = options.worker ?? {};
      const started = resolved.map(([queue, registration]) => {
        const worker = new Worker(queue, processorFor(queue, registration), {
          connection: clients.blocking(),
          prefix,
          concurrency: registration.concurrency,
          lockDuration: settings.lockDurationMs ?? 30_000,
          stalledInterval: settings.stalledIntervalMs ?? 30_000,
          maxStalledCount: settings.maxStalledCount ?? 1,
          drainDelay: settings.drainDelaySec ?? 5,
          settings: {
            backoffStrategy: (attemptsMade: number) =>
              backoffDelay(registration.backoffMs, attemptsMade),
          },
        });
        worker.on("error", (error) => onError(error, `worker ${queue}`));
        workers.set(queue, worker);
        return worker.waitUntilReady();
      });
      await redis("start workers", () => Promise.all(started));
    },

    async counts(queue): Promise<JobCounts> {
      const q = await queueFor(queue);
      const c = await redis(`count jobs of "${queue}"`, () => q.getJobCounts());
      const n = (key: string) => c[key] ?? 0;
      return {
        waiting: n("waiting") + n("wait") + n("prioritized") + n("paused") + n("waiting-children"),
        delayed: n("delayed"),
        active: n("active"),
        failed: n("failed"),
        completed: n("completed"),
      };
    },

    close() {
      closed ??= (async () => {
        closing = true;
        // Workers first: close() lets in-flight jobs finish and report before connections go.
        await Promise.allSettled([...workers.values()].map((worker) => worker.close()));
        const settled = async <T extends { close(): Promise<void> }>(all: Iterable<Promise<T>>) =>
          Promise.allSettled([...all].map(async (p) => (await p).close()));
        await settled(events.values());
        await settled(queues.values());
        await clients.close();
      })();
      return closed;
    },
  };
  return runner;
}
