import { describe, expect, it } from "vitest";
import { createGroupCommitter } from "./group-commit.js";

/** A flush that records its batches and can be held open or made to fail. */
function recorder() {
  const batches: number[][] = [];
  let release: (() => void) | null = null;
  let hold = false;
  let failWith: Error | null = null;
  return {
    batches,
    holdNext() {
      hold = true;
    },
    releaseHeld() {
      release?.();
    },
    failNext(error: Error) {
      failWith = error;
    },
    async flush(items: number[]) {
      batches.push([...items]);
      if (failWith) {
        const error = failWith;
        failWith = null;
        throw error;
      }
      if (hold) {
        hold = false;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
    },
  };
}

describe("createGroupCommitter", () => {
  it("flushes items submitted together as one batch, and full batches at once", async () => {
    const r = recorder();
    const committer = createGroupCommitter({ flush: r.flush, maxItems: 3, maxDelayMs: 50 });
    const started = Date.now();
    // Three items fill a batch: flushed without waiting for the delay.
    await Promise.all([committer.submit(1), committer.submit(2), committer.submit(3)]);
    expect(Date.now() - started).toBeLessThan(40);
    expect(r.batches).toEqual([[1, 2, 3]]);
    // Two items wait for the delay, then go together.
    await Promise.all([committer.submit(4), committer.submit(5)]);
    expect(r.batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it("waits at most maxDelayMs for a lone item", async () => {
    const r = recorder();
    const committer = createGroupCommitter({ flush: r.flush, maxItems: 100, maxDelayMs: 30 });
    const started = Date.now();
    await committer.submit(7);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(25);
    expect(waited).toBeLessThan(1000);
    expect(r.batches).toEqual([[7]]);
  });

  it("does not resolve before the flush ends, and batches what arrives during a flush", async () => {
    const r = recorder();
    const committer = createGroupCommitter({ flush: r.flush, maxItems: 2, maxDelayMs: 0 });
    r.holdNext();
    let firstDone = false;
    const first = committer.submit(1).then(() => {
      firstDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(r.batches).toEqual([[1]]);
    const later = [2, 3, 4, 5, 6].map((n) => committer.submit(n));
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Still held: nothing resolved, nothing else flushed concurrently.
    expect(firstDone).toBe(false);
    expect(r.batches).toEqual([[1]]);
    r.releaseHeld();
    await Promise.all([first, ...later]);
    expect(r.batches).toEqual([[1], [2, 3], [4, 5], [6]]);
  });

  it("rejects every item of a failed batch with the flush's error, and keeps working", async () => {
    const r = recorder();
    const committer = createGroupCommitter({ flush: r.flush, maxItems: 10, maxDelayMs: 1 });
    r.failNext(new Error("disk full"));
    const results = await Promise.allSettled([committer.submit(1), committer.submit(2)]);
    expect(results.map((x) => x.status)).toEqual(["rejected", "rejected"]);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ message: "disk full" });
    await expect(committer.submit(3)).resolves.toBeUndefined();
    expect(r.batches).toEqual([[1, 2], [3]]);
  });

  it("drain flushes queued items without waiting for the delay", async () => {
    const r = recorder();
    const committer = createGroupCommitter({ flush: r.flush, maxItems: 10, maxDelayMs: 10_000 });
    const pending = committer.submit(1);
    await committer.drain();
    await pending;
    expect(r.batches).toEqual([[1]]);
  });

  it("refuses nonsensical options", () => {
    expect(() =>
      createGroupCommitter({ flush: async () => {}, maxItems: 0, maxDelayMs: 1 }),
    ).toThrow(/maxItems/);
  });
});
