import { describe, expect, it } from "vitest";
import { createInProcessRunner } from "../index.js";
import { runJobRunnerConformance } from "../testing/index.js";

runJobRunnerConformance("in-process", (options) => createInProcessRunner(options));

describe("in-process runner specifics", () => {
  it("forgets completed jobs past the retention count, so their id runs again", async () => {
    const runner = createInProcessRunner<{ q: { n: number } }>({
      retention: { completedCount: 1 },
    });
    let calls = 0;
    await runner.startWorkers({ q: async () => ++calls });
    await runner.enqueue("q", { n: 1 }, { jobId: "first" });
    await runner.waitFor("q", "first", { timeoutMs: 1000 });
    await runner.enqueue("q", { n: 2 }, { jobId: "second" });
    await runner.waitFor("q", "second", { timeoutMs: 1000 });
    expect((await runner.counts("q")).completed).toBe(1);
    await expect(runner.waitFor("q", "first", { timeoutMs: 100 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await runner.enqueue("q", { n: 3 }, { jobId: "first" });
    expect(await runner.waitFor("q", "first", { timeoutMs: 1000 })).toBe(3);
    await runner.close();
  });

  it("refuses payloads and results that would not survive Redis", async () => {
    const runner = createInProcessRunner<{ q: { n: bigint } | { f: () => void } }>();
    await expect(runner.enqueue("q", { n: 1n })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await runner.close();
  });

  it("hands each attempt a fresh copy of the payload", async () => {
    const runner = createInProcessRunner<{ q: { list: number[] } }>();
    const lengths: number[] = [];
    await runner.startWorkers({
      q: {
        process: async (payload, ctx) => {
          payload.list.push(ctx.attempt);
          lengths.push(payload.list.length);
          if (ctx.attempt === 1) throw new Error("again");
        },
        options: { attempts: 2, backoffMs: 1 },
      },
    });
    const { jobId } = await runner.enqueue("q", { list: [] });
    expect(await runner.waitFor("q", jobId, { timeoutMs: 1000 })).toBeNull();
    expect(lengths).toEqual([1, 1]);
    await runner.close();
  });

  it("rejects waiters of jobs that never ran when closed", async () => {
    const runner = createInProcessRunner<{ q: { n: number } }>();
    const { jobId } = await runner.enqueue("q", { n: 1 });
    const waiting = runner.waitFor("q", jobId, { timeoutMs: 5000 });
    await runner.close();
    await expect(waiting).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });
});
