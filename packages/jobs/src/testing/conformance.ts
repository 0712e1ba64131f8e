import { CairnError, isCairnError } from "@cairn/core";
import { afterEach, describe, expect, it } from "vitest";
import { isJobFailedError, permanentFailure } from "../failure.js";
import type { JobRunner, PayloadSchemas } from "../types.js";

/** The queues the conformance suite uses (an engine's cleanup hook may need their names). */
export const CONFORMANCE_QUEUES = ["work", "other"] as const;

/** Payloads of the conformance queues. */
export type ConformancePayloads = { work: { n: number }; other: { n: number } };

/** What the suite may ask of the engine factory. */
export interface ConformanceRunnerOptions {
  schemas?: PayloadSchemas<ConformancePayloads>;
}

/** Builds a fresh runner, isolated from every other (its own prefix / queue namespace). */
export type ConformanceRunnerFactory = (
  options: ConformanceRunnerOptions,
) => JobRunner<ConformancePayloads> | Promise<JobRunner<ConformancePayloads>>;

/** Optional per-engine hooks: `cleanup` runs after each test once its runners are closed. */
export interface ConformanceHooks {
  cleanup?: () => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The error a promise rejects with; fails the test when it resolves instead. */
async function failureOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * The behaviour every {@link JobRunner} engine must show, as one vitest suite: processing,
 * dedupe by job id, retries with backoff, permanent failures, `waitFor` errors, concurrency,
 * delays, repeatable jobs and graceful close. Each engine's test file calls it once.
 */
export function runJobRunnerConformance(
  name: string,
  makeRunner: ConformanceRunnerFactory,
  hooks: ConformanceHooks = {},
): void {
  describe(`JobRunner conformance: ${name}`, () => {
    const open: Array<JobRunner<ConformancePayloads>> = [];
    const make = async (options: ConformanceRunnerOptions = {}) => {
      const runner = await makeRunner(options);
      open.push(runner);
      return runner;
    };

    afterEach(async () => {
      await Promise.all(open.splice(0).map((runner) => runner.close()));
      await hooks.cleanup?.();
    });

    it("runs a job enqueued before and after workers start, with its context", async () => {
      const runner = await make();
      const early = await runner.enqueue("work", { n: 1 });
      await runner.startWorkers({
        work: async (payload, ctx) => ({ doubled: payload.n * 2, id: ctx.jobId, try: ctx.attempt }),
      });
      const late = await runner.enqueue("work", { n: 21 }, { jobId: "late-job" });
      expect(late.jobId).toBe("late-job");
      expect(await runner.waitFor("work", late.jobId, { timeoutMs: 10_000 })).toEqual({
        doubled: 42,
        id: "late-job",
        try: 1,
      });
      expect(await runner.waitFor("work", early.jobId, { timeoutMs: 10_000 })).toMatchObject({
        doubled: 2,
        id: early.jobId,
      });
      expect(await runner.counts("work")).toMatchObject({ completed: 2, failed: 0, waiting: 0 });
    });

    it("dedupes a deterministic job id while waiting, active and recently completed", async () => {
      const runner = await make();
      const release = gate();
      let calls = 0;
      await runner.enqueue("work", { n: 1 }, { jobId: "dedupe-me" });
      await runner.enqueue("work", { n: 2 }, { jobId: "dedupe-me" }); // waiting
      expect((await runner.counts("work")).waiting).toBe(1);
      await runner.startWorkers({
        work: async (payload) => {
          calls += 1;
          await release.promise;
          return payload.n;
        },
      });
      await until("the job to start", () => calls === 1);
      await runner.enqueue("work", { n: 2 }, { jobId: "dedupe-me" }); // active
      release.open();
      expect(await runner.waitFor("work", "dedupe-me", { timeoutMs: 10_000 })).toBe(1);
      await runner.enqueue("work", { n: 3 }, { jobId: "dedupe-me" }); // completed
      await sleep(300);
      expect(calls).toBe(1);
      expect((await runner.counts("work")).completed).toBe(1);
    });

    it("runs a failed job id again when it is enqueued again", async () => {
      const runner = await make();
      let calls = 0;
      await runner.startWorkers({
        work: {
          process: async (payload) => {
            calls += 1;
            if (payload.n < 0) throw new Error("negative");
            return payload.n;
          },
          options: { attempts: 1 },
        },
      });
      await runner.enqueue("work", { n: -1 }, { jobId: "second-chance" });
      await expect(runner.waitFor("work", "second-chance", { timeoutMs: 10_000 })).rejects.toThrow(
        "negative",
      );
      await runner.enqueue("work", { n: 5 }, { jobId: "second-chance" });
      expect(await runner.waitFor("work", "second-chance", { timeoutMs: 10_000 })).toBe(5);
      expect(calls).toBe(2);
    });

    it("retries transient failures with exponential backoff, then succeeds", async () => {
      const runner = await make();
      const tries: Array<{ attempt: number; at: number }> = [];
      await runner.startWorkers({
        work: {
          process: async (_payload, ctx) => {
            tries.push({ attempt: ctx.attempt, at: Date.now() });
            if (ctx.attempt < 3) throw new CairnError("UNAVAILABLE", "store restarting");
            return "ok";
          },
          options: { attempts: 3, backoffMs: 100 },
        },
      });
      const { jobId } = await runner.enqueue("work", { n: 1 });
      expect(await runner.waitFor("work", jobId, { timeoutMs: 10_000 })).toBe("ok");
      expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
      // 100 ms then 200 ms: the second wait is about twice the first (timers may run a bit late).
      const [first, second, third] = tries.map((t) => t.at) as [number, number, number];
      expect(second - first).toBeGreaterThanOrEqual(90);
      expect(third - second).toBeGreaterThanOrEqual(190);
    });

    it("fails with the last reason once attempts are exhausted", async () => {
      const runner = await make();
      let calls = 0;
      await runner.startWorkers({
        work: {
          process: async () => {
            calls += 1;
            throw new Error(`boom ${calls}`);
          },
          options: { attempts: 2, backoffMs: 10 },
        },
      });
      const { jobId } = await runner.enqueue("work", { n: 1 });
      const error = await failureOf(runner.waitFor("work", jobId, { timeoutMs: 10_000 }));
      expect(isJobFailedError(error)).toBe(true);
      expect(error).toMatchObject({ reason: "boom 2", jobId, queue: "work" });
      expect(calls).toBe(2);
      expect((await runner.counts("work")).failed).toBe(1);
    });

    it("does not retry permanent failures and reports them through waitFor", async () => {
      const runner = await make();
      const calls = { marked: 0, userMistake: 0 };
      await runner.startWorkers({
        work: {
          process: async (payload) => {
            if (payload.n === 1) {
              calls.marked += 1;
              throw permanentFailure(new Error("payload refers to a deleted draft"));
            }
            calls.userMistake += 1;
            throw new CairnError("DRAFT_FINISHED", "draft d1 is finished: start a new draft");
          },
          options: { attempts: 5, backoffMs: 10 },
        },
      });
      const marked = await runner.enqueue("work", { n: 1 });
      const userMistake = await runner.enqueue("work", { n: 2 });
      const markedError = await failureOf(
        runner.waitFor("work", marked.jobId, { timeoutMs: 10_000 }),
      );
      expect(markedError).toMatchObject({
        name: "JobFailedError",
        reason: "payload refers to a deleted draft",
      });
      const cairnError = await failureOf(
        runner.waitFor("work", userMistake.jobId, { timeoutMs: 10_000 }),
      );
      expect(isCairnError(cairnError, "DRAFT_FINISHED")).toBe(true);
      expect(cairnError.message).toBe("draft d1 is finished: start a new draft");
      await sleep(200);
      expect(calls).toEqual({ marked: 1, userMistake: 1 });
    });

    it("times out waitFor with UNAVAILABLE, and refuses unknown ids with NOT_FOUND", async () => {
      const runner = await make();
      const { jobId } = await runner.enqueue("other", { n: 1 }); // no worker for "other"
      const started = Date.now();
      const error = await failureOf(runner.waitFor("other", jobId, { timeoutMs: 300 }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(isCairnError(error, "UNAVAILABLE")).toBe(true);
      expect(error.message).toContain(jobId);
      expect(error.message).toContain("waiting");
      await expect(
        runner.waitFor("other", "never-enqueued", { timeoutMs: 300 }),
      ).rejects.toMatchObject({ name: "CairnError", code: "NOT_FOUND" });
      expect((await runner.counts("other")).waiting).toBe(1);
    });

    it("honours per-queue concurrency", async () => {
      const runner = await make();
      let active = 0;
      let peak = 0;
      await runner.startWorkers({
        work: {
          process: async () => {
            active += 1;
            peak = Math.max(peak, active);
            await sleep(120);
            active -= 1;
          },
          options: { concurrency: 2 },
        },
      });
      const ids = await Promise.all(
        [1, 2, 3, 4, 5, 6].map((n) => runner.enqueue("work", { n }).then((r) => r.jobId)),
      );
      for (const id of ids) await runner.waitFor("work", id, { timeoutMs: 10_000 });
      expect(peak).toBe(2);
    });

    it("holds a delayed job back until its delay has passed", async () => {
      const runner = await make();
      let startedAt = 0;
      await runner.startWorkers({
        work: async () => {
          startedAt = Date.now();
        },
      });
      const enqueuedAt = Date.now();
      const { jobId } = await runner.enqueue("work", { n: 1 }, { delayMs: 500 });
      expect((await runner.counts("work")).delayed).toBe(1);
      await runner.waitFor("work", jobId, { timeoutMs: 10_000 });
      expect(startedAt - enqueuedAt).toBeGreaterThanOrEqual(450);
    });

    it("fires a schedule repeatedly, and re-scheduling the same id replaces it", async () => {
      const runner = await make();
      const seen: number[] = [];
      await runner.startWorkers({
        work: async (payload) => {
          seen.push(payload.n);
        },
      });
      await runner.schedule("work", 150, { n: 1 }, { schedulerId: "tick" });
      await until("three scheduled runs", () => seen.length >= 3);
      await runner.schedule("work", 150, { n: 2 }, { schedulerId: "tick" });
      await until("runs of the new payload", () => seen.filter((n) => n === 2).length >= 2);
      const ones = seen.filter((n) => n === 1).length;
      await sleep(400);
      // The replaced schedule stopped (at most one of its runs was already queued).
      expect(seen.filter((n) => n === 1).length).toBeLessThanOrEqual(ones + 1);
    });

    it("validates payloads and ids on enqueue with INVALID_INPUT", async () => {
      const runner = await make({
        schemas: {
          work: {
            parse: (input) => {
              const n = (input as { n?: unknown } | null)?.n;
              if (typeof n !== "number") throw new Error("n must be a number");
              return { n };
            },
          },
        },
      });
      await expect(
        runner.enqueue("work", { n: "x" } as unknown as { n: number }),
      ).rejects.toMatchObject({
        code: "INVALID_INPUT",
        message: expect.stringContaining("n must"),
      });
      await expect(runner.enqueue("work", { n: 1 }, { jobId: "a:b" })).rejects.toMatchObject({
        code: "INVALID_INPUT",
      });
      await expect(runner.enqueue("work", { n: 1 }, { jobId: "42" })).rejects.toMatchObject({
        code: "INVALID_INPUT",
      });
      await runner.startWorkers({ work: async () => 1 });
      await expect(runner.startWorkers({ work: async () => 2 })).rejects.toMatchObject({
        code: "CONFLICT",
      });
    });

    it("close waits for in-flight jobs, then refuses new work", async () => {
      const runner = await make();
      let started = false;
      let finished = false;
      await runner.startWorkers({
        work: async () => {
          started = true;
          await sleep(400);
          finished = true;
        },
      });
      await runner.enqueue("work", { n: 1 });
      await until("the job to start", () => started);
      await runner.close();
      expect(finished).toBe(true);
      await expect(runner.enqueue("work", { n: 2 })).rejects.toMatchObject({
        code: "UNAVAILABLE",
      });
    });
  });
}
