import { describe, expect, it } from "vitest";
import { createDirSyncer } from "./dir-sync.js";

describe("createDirSyncer", () => {
  it("shares one follow-up fsync among callers that arrive while one is running", async () => {
    const calls: string[] = [];
    const releases: Array<() => void> = [];
    const syncer = createDirSyncer(async (path) => {
      calls.push(path);
      await new Promise<void>((resolve) => releases.push(resolve));
    });
    const first = syncer("/a");
    const waiting = [syncer("/a"), syncer("/a"), syncer("/a")];
    const other = syncer("/b");
    expect(calls).toEqual(["/a", "/b"]);
    let followersDone = false;
    void Promise.all(waiting).then(() => {
      followersDone = true;
    });
    releases.shift()?.(); // finish the first /a
    await first;
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The followers need an fsync that started after them: exactly one more, not three.
    expect(calls).toEqual(["/a", "/b", "/a"]);
    expect(followersDone).toBe(false);
    releases.shift()?.(); // /b
    releases.shift()?.(); // the follow-up /a
    await Promise.all([...waiting, other]);
    expect(calls).toHaveLength(3);
    // Idle again: the next caller starts a fresh fsync.
    const later = syncer("/a");
    expect(calls).toHaveLength(4);
    releases.shift()?.();
    await later;
  });

  it("propagates a failed fsync to its callers only", async () => {
    let fail = true;
    const syncer = createDirSyncer(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail) {
        fail = false;
        throw new Error("EIO");
      }
    });
    const first = syncer("/a");
    const follower = syncer("/a");
    await expect(first).rejects.toThrow("EIO");
    await expect(follower).resolves.toBeUndefined();
  });
});
