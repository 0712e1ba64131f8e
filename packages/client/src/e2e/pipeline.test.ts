import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MAX_MANIFEST_PAGE } from "@cairn/core";
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

await describeE2E("pipelined log: hashing, missing-checks and uploads overlap", (env, engine) => {
  it("uploads the first hashed files while the rest is still being hashed", async () => {
    // A bucket without packs takes 2,000 small files as 2,000 presigned PUTs, minutes on s3rver;
    // the pipeline is the same code on every store (S3 with packs runs it below).
    if (engine.blobs === "s3" && !engine.packs) return;
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

  it("downloads the first manifest page's files before the second page is fetched", async () => {
    // 10,001 entries are two manifest pages; 40 distinct contents keep the transfer small.
    const count = MAX_MANIFEST_PAGE + 1;
    const folder = join(env().dir, "paged");
    await mkdir(join(folder, "p"), { recursive: true });
    const contents = Array.from({ length: 40 }, (_, i) => Buffer.from(`content ${i}\n`));
    for (let i = 0; i < count; i++) {
      await writeFile(join(folder, "p", `f${String(i).padStart(5, "0")}.txt`), contents[i % 40]!);
    }
    const run = await env().cairn.init({ jobType: "pages" });
    const artifact = new Artifact({ name: "paged", type: "dataset" });
    artifact.addDir(folder);
    await run.logArtifact(artifact).wait();
    await run.finish();

    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const fallback = setTimeout(open, 60_000);
    let bytesRequests = 0;
    let bytesBeforeSecondPage = -1;
    // The second page's request waits until a byte download started (or the fallback).
    const fetching: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.includes("/trpc/")) {
        if (url.includes("artifacts.manifest") && url.includes("cursor")) {
          await gate;
          bytesBeforeSecondPage = bytesRequests;
        }
      } else {
        bytesRequests++;
        open();
      }
      return fetch(input, init);
    };
    const reader = env().newCairn({ fetch: fetching });
    const version = await reader.api().artifact("paged:latest", { manifest: false });
    const root = join(env().dir, "paged-out");
    await version.download({ root });
    clearTimeout(fallback);

    expect(bytesBeforeSecondPage).toBeGreaterThan(0);
    expect(version.lastDownload).toMatchObject({ fetched: 40 });
    expect(version.manifest.entries).toHaveLength(count);
    for (const i of [0, 39, 9_999, 10_000]) {
      const name = `p/f${String(i).padStart(5, "0")}.txt`;
      expect((await readFile(join(root, name))).equals(contents[i % 40]!), name).toBe(true);
    }
  }, 240_000);
});
