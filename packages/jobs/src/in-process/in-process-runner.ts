import { randomUUID } from "node:crypto";
import { CairnError } from "@cairn/core";
import {
  decodeFailureReason,
  encodeFailureReason,
  isPermanentFailure,
  jobNotFoundError,
  runnerClosedError,
  waitTimeoutError,
} from "../failure.js";
import type { RetentionOptions } from "../retention-options.js";
import type { JobCounts, JobRunner, PayloadMap, PayloadSchemas, ResultMap } from "../types.js";
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
import { type JobRecord, Retention } from "./retention.js";

/** Options of {@link createInProcessRunner}. */
export interface InProcessRunnerOptions<Payloads extends PayloadMap> {
  /** Validate payloads on enqueue and before processing (e.g. core's zod schemas). */
  schemas?: PayloadSchemas<Payloads>;
  /** How long finished jobs are kept (for dedupe and `waitFor`). */
  retention?: RetentionOptions;
}

interface QueueState {
  name: string;
  jobs: Map<string, JobRecord>;
  /** Jobs ready to run, oldest first. */
  ready: JobRecord[];
  active: number;
  registration: ResolvedRegistration | undefined;
  retention: Retention;
  drainScheduled: boolean;
}

interface SchedulerState {
  timer: NodeJS.Timeout;
  lastJobId: string | undefined;
}

/**
 * The embedded engine, used when no REDIS_URL is configured: the same semantics as the BullMQ
 * engine in memory (per-queue concurrency, retries with exponential backoff, dedupe by job id,
 * `waitFor`, repeatable jobs on unref'd timers, graceful close). Jobs do not survive a restart —
 * the embedded server is one process, and its periodic jobs (TTL expiry, GC) are idempotent.
 */
export function createInProcessRunner<
  Payloads extends PayloadMap,
  Results extends ResultMap<Payloads> = ResultMap<Payloads>,
>(options: InProcessRunnerOptions<Payloads> = {}): JobRunner<Payloads, Results> {
  const queues = new Map<string, QueueState>();
  const schedulers = new Map<string, SchedulerState>();
  const inFlight = new Set<Promise<void>>();
  let closing = false;
  let closed: Promise<void> | undefined;

  const queueState = (name: string): QueueState => {
    assertQueueName(name);
    let state = queues.get(name);
    if (!state) {
      state = {
        name,
        jobs: new Map(),
        ready: [],
        active: 0,
        registration: undefined,
        retention: new Retention(options.retention),
        drainScheduled: false,
      };
      queues.set(name, state);
    }
    return state;
  };

  const settle = (record: JobRecord): void => {
    for (const waiter of record.waiters) waiter.settle();
    record.waiters.clear();
  };

  const makeReady = (q: QueueState, record: JobRecord): void => {
    record.timer = undefined;
    record.state = "waiting";
    q.ready.push(record);
    scheduleDrain(q);
  };

  const delay = (q: QueueState, record: JobRecord, ms: number): void => {
    record.state = "delayed";
    // unref'd: pending delays must not keep a process alive that is otherwise done.
    record.timer = setTimeout(() => makeReady(q, record), ms).unref();
  };

  const finish = (q: QueueState, record: JobRecord, outcome: "completed" | "failed"): void => {
    record.state = outcome;
    record.finishedAt = Date.now();
    q.retention.add(q.jobs, record);
    settle(record);
  };

  const run = (q: QueueState, registration: ResolvedRegistration, record: JobRecord): void => {
    record.state = "active";
    q.active += 1;
    const attempt = record.attemptsMade + 1;
    const execution = (async () => {
      try {
        // A fresh copy per attempt: a processor mutating its payload must not change the retry.
        const payload = parsePayload(
          options.schemas,
          q.name as never,
          jsonClone("Payload", record.payload),
        );
        const result = await registration.process(payload, { jobId: record.id, attempt });
        record.result = jsonClone(`Result of job ${record.id} on queue "${q.name}"`, result);
        finish(q, record, "completed");
      } catch (error) {
        record.attemptsMade += 1;
        record.reason = encodeFailureReason(error);
        if (isPermanentFailure(error) || record.attemptsMade >= registration.attempts) {
          finish(q, record, "failed");
        } else if (!closing) {
          delay(q, record, backoffDelay(registration.backoffMs, record.attemptsMade));
        } else {
          record.state = "delayed"; // would retry, but the runner is shutting down
        }
      } finally {
        q.active -= 1;
        scheduleDrain(q);
      }
    })();
    inFlight.add(execution);
    void execution.finally(() => inFlight.delete(execution));
  };

  const drain = (q: QueueState): void => {
    q.drainScheduled = false;
    const registration = q.registration;
    if (!registration) return;
    while (!closing && q.active < registration.concurrency) {
      const next = q.ready.shift();
      if (!next) return;
      run(q, registration, next);
    }
  };

  function scheduleDrain(q: QueueState): void {
    if (q.drainScheduled || !q.registration) return;
    q.drainScheduled = true;
    // Deferred so processors never run inside the caller's enqueue stack.
    queueMicrotask(() => drain(q));
  }

  const add = (q: QueueState, jobId: string, payload: unknown, delayMs: number): void => {
    const existing = q.jobs.get(jobId);
    if (existing && existing.state !== "failed") return; // dedupe: waiting/delayed/active/completed
    const record: JobRecord = {
      id: jobId,
      payload,
      state: "waiting",
      attemptsMade: 0,
      result: undefined,
      reason: undefined,
      finishedAt: undefined,
      timer: undefined,
      waiters: new Set(),
    };
    q.jobs.set(jobId, record);
    if (delayMs > 0) delay(q, record, delayMs);
    else makeReady(q, record);
  };

  const checkedPayload = (queue: string, payload: unknown): unknown =>
    parsePayload(
      options.schemas,
      queue as never,
      jsonClone(`Payload for queue "${queue}"`, payload),
    );

  const runner: JobRunner<Payloads, Results> = {
    async enqueue(queue, payload, enqueueOptions = {}) {
      if (closing) throw runnerClosedError(`enqueue on "${queue}"`);
      const q = queueState(queue);
      const jobId = enqueueOptions.jobId ?? randomUUID();
      assertJobId(jobId);
      const delayMs = enqueueOptions.delayMs ?? 0;
      assertMillis("delayMs", delayMs, 0);
      add(q, jobId, checkedPayload(queue, payload), delayMs);
      return { jobId };
    },

    async waitFor(queue, jobId, { timeoutMs }) {
      assertMillis("timeoutMs", timeoutMs, 1);
      const record = queueState(queue).jobs.get(jobId);
      if (!record) throw jobNotFoundError(queue, jobId);
      const outcome = await new Promise<JobRecord["state"]>((resolve, reject) => {
        if (record.state === "completed" || record.state === "failed") {
          resolve(record.state);
          return;
        }
        if (closing) {
          reject(runnerClosedError(`wait for job ${jobId}`));
          return;
        }
        const waiter = {
          settle: () => {
            clearTimeout(timer);
            resolve(record.state);
          },
          abort: (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        const timer = setTimeout(() => {
          record.waiters.delete(waiter);
          reject(waitTimeoutError(queue, jobId, timeoutMs, record.state));
        }, timeoutMs);
        record.waiters.add(waiter);
      });
      if (outcome === "failed") throw decodeFailureReason(queue, jobId, record.reason ?? "");
      return record.result as Results[typeof queue];
    },

    async schedule(queue, everyMs, payload, scheduleOptions = {}) {
      if (closing) throw runnerClosedError(`schedule on "${queue}"`);
      const q = queueState(queue);
      assertMillis("everyMs", everyMs, 1);
      const schedulerId = scheduleOptions.schedulerId ?? queue;
      assertJobId(schedulerId);
      const checked = checkedPayload(queue, payload);
      const key = `${queue}\u0000${schedulerId}`;
      const previous = schedulers.get(key);
      if (previous) clearInterval(previous.timer);
      let sequence = 0;
      const tick = (): void => {
        const last = state.lastJobId === undefined ? undefined : q.jobs.get(state.lastJobId);
        // Like BullMQ's scheduler: no new run while the previous one is still pending.
        if (last && last.state !== "completed" && last.state !== "failed") return;
        sequence += 1;
        state.lastJobId = `repeat-${schedulerId}-${Date.now()}-${sequence}`;
        add(q, state.lastJobId, checked, 0);
      };
      const state: SchedulerState = {
        timer: setInterval(tick, everyMs).unref(),
        lastJobId: undefined,
      };
      schedulers.set(key, state);
      tick();
    },

    async startWorkers(processors) {
      if (closing) throw runnerClosedError("start workers");
      const resolved: Array<[QueueState, ResolvedRegistration]> = [];
      for (const [queue, entry] of Object.entries(processors)) {
        if (entry === undefined) continue;
        const q = queueState(queue);
        if (q.registration) {
          throw new CairnError(
            "CONFLICT",
            `Queue "${queue}" already has a processor in this runner: register each queue once.`,
          );
        }
        resolved.push([q, resolveRegistration(queue, entry as never)]);
      }
      for (const [q, registration] of resolved) {
        q.registration = registration;
        scheduleDrain(q);
      }
    },

    async counts(queue): Promise<JobCounts> {
      const counts: JobCounts = { waiting: 0, delayed: 0, active: 0, failed: 0, completed: 0 };
      for (const record of queueState(queue).jobs.values()) counts[record.state] += 1;
      return counts;
    },

    close() {
      closed ??= (async () => {
        closing = true;
        for (const scheduler of schedulers.values()) clearInterval(scheduler.timer);
        for (const q of queues.values()) {
          for (const record of q.jobs.values()) if (record.timer) clearTimeout(record.timer);
        }
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        // Jobs that never ran are lost with this process; their waiters learn it now.
        for (const q of queues.values()) {
          for (const record of q.jobs.values()) {
            for (const waiter of record.waiters)
              waiter.abort(runnerClosedError(`run job ${record.id}`));
            record.waiters.clear();
          }
        }
      })();
      return closed;
    },
  };
  return runner;
}
