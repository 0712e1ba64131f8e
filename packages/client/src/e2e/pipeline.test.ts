import { createHash, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createFileHasher, type FileHasher } from "../hashing/file-hasher.js";
import { Artifact, type ProgressEvent } from "../index.js";
import { STREAM_CHECK_BATCH } from "../transfer/upload-pipeline.js";
import { describeE2E } from "./harness.test-helpers.js";

/**
 * A hasher that hashes the first half of a job, then waits until `gate` opens before hashing the
 * rest: a log whose uploads only start after hashing would never open it.
 */
function pausingHasher(gate: Promise<void>): { hasher: FileHasher; paused: () => boolean } {
  const real = createFileHasher({ cacheDir: null });
  let paused = false;
  const hasher: FileHasher = {
    async hashFiles(paths, options = {}) {
      const half = Math.ceil(paths.length / 2);
      const first = await real.hashFiles(paths.slice(0, half), { onHashed: options.onHashed });
      paused = true;
      await gate;
      paused = false;
      const rest = await real.hashFiles(paths.slice(half), { onHashed: options.onHashed });
      return [...first, ...rest];
    },
    hashFile: (path) => real.hashFile(path),
    close: () => real.close(),
  };
  return { hasher, paused: () => paused };
}

await describeE2E("pipelined log: hashing, missing-checks and uploads overlap", (env) => {
  it("uploads the first hashed files while the rest is still being hashed", async () => {
    const files = new Map<string, Buffer>();
    const folder = join(env().dir, "pipelined");
    await mkdir(join(folder, "a"), { recursive: true });
    // A full check batch in the first half (the second half adds another).
    const count = 2 * STREAM_CHECK_BATCH + 2;
    for (let i = 0; i < count; i++) files.set(`a/f${i}.bin`, randomBytes(512 + (i % 97)));
    for (const [path, bytes] of files) await writeFile(join(folder, path), bytes);

    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    // The gate also opens after 60 s so a non-overlapping pipeline fails on the assertion below
    // instead of hanging the suite.
    const fallback = setTimeout(open, 60_000);
    const { hasher, paused } = pausingHasher(gate);
    const uploadsWhilePaused: ProgressEvent[] = [];
    const onProgress = (event: ProgressEvent) => {
      if (event.phase !== "upload" || event.filesDone === 0) return;
      if (paused()) {
        uploadsWhilePaused.push(event);
        open();
      }
    };
    const cairn = env().newCairn({ hasher, onProgress });
    const run = await cairn.init({ jobType: "pipeline" });
    const artifact = new Artifact({ name: "pipelined", type: "dataset" });
    artifact.addDir(folder);
    const logged = await run.logArtifact(artifact).result();
    await run.finish();
    clearTimeout(fallback);

    expect(uploadsWhilePaused.length).toBeGreaterThan(0);
    expect(uploadsWhilePaused[0]!.filesDone).toBeLessThanOrEqual(count / 2);
    // Every file went up exactly once, and the version lists each with its bytes' digest.
    expect(logged.uploadedFiles).toBe(count);
    expect(logged.uploadedBytes).toBe([...files.values()].reduce((n, b) => n + b.length, 0));
    const version = await env().newCairn().api().artifact("pipelined:latest");
    const entries = new Map(version.manifest.entries.map((e) => [e.path, e.digest]));
    expect(entries.size).toBe(count);
    for (const [path, bytes] of files) {
      expect(entries.get(path), path).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
  }, 180_000);
});
