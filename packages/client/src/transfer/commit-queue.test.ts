import { describe, expect, it } from "vitest";
import { createCommitQueue } from "./commit-queue.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("commit queue", () => {
  it("runs commits in reservation order even when later ones are ready first", async () => {
    const queue = createCommitQueue();
    const order: number[] = [];
    const jobs = [30, 5, 15, 0].map(async (delay, i) => {
      const slot = queue.reserve();
      await tick(delay); // "hashing and uploading" finish out of order
      return slot.run(async () => {
        order.push(i);
        return i;
      });
    });
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3]);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it("a released or failed slot passes the turn on without blocking later ones", async () => {
    const queue = createCommitQueue();
    const order: string[] = [];
    const a = queue.reserve();
    const b = queue.reserve();
    const c = queue.reserve();
    const cDone = c.run(async () => order.push("c"));
    const bDone = b.run(async () => {
      order.push("b");
      throw new Error("commit failed");
    });
    await tick(5);
    expect(order).toEqual([]); // a still holds the turn
    a.release();
    a.release(); // idempotent
    await expect(bDone).rejects.toThrow("commit failed");
    await cDone;
    expect(order).toEqual(["b", "c"]);
  });
});
