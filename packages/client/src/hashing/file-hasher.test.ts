import { createHash } from "node:crypto";
import { appendFile, mkdtemp, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCairnError } from "@cairn/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProgressEvent } from "../index.js";
import { createFileHasher, DIGEST_CACHE_FILE, DigestCache, type FileHasher } from "../internal.js";

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const past = new Date(Date.now() - 3_600_000);

describe("createFileHasher", () => {
  let dir: string;
  let hashers: FileHasher[] = [];
  const make = (...args: Parameters<typeof createFileHasher>) => {
    const h = createFileHasher(...args);
    hashers.push(h);
    return h;
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cairn-hash-"));
  });
  afterEach(async () => {
    await Promise.all(hashers.map((h) => h.close()));
    hashers = [];
  });

  async function files(sizes: number[]): Promise<{ paths: string[]; datas: Buffer[] }> {
    const paths: string[] = [];
    const datas: Buffer[] = [];
    for (const [i, size] of sizes.entries()) {
      const data = Buffer.alloc(size);
      for (let k = 0; k < size; k += 997) data[k] = (i * 31 + k) & 0xff;
      const p = join(dir, `f${i}.bin`);
      await writeFile(p, data);
      paths.push(p);
      datas.push(data);
    }
    return { paths, datas };
  }

  it("hashes on the main thread and on workers identically to node:crypto", async () => {
    const { paths, datas } = await files([0, 1, 4096, 1024 * 1024, 1024 * 1024 + 3, 3_000_001]);
    const expected = datas.map((d) => sha(d));
    const main = await make().hashFiles(paths);
    const workers = await make({ concurrency: 2, smallJob: { files: 0, bytes: 0 } }).hashFiles(
      paths,
    );
    expect(main.map((r) => r.digest)).toEqual(expected);
    expect(workers.map((r) => r.digest)).toEqual(expected);
    expect(workers.map((r) => r.size)).toEqual(datas.map((d) => d.length));
    expect(workers.every((r) => !r.cached)).toBe(true);
  });

  it("keeps results in input order across many worker batches and reports progress", async () => {
    const { paths, datas } = await files(Array.from({ length: 300 }, (_, i) => 100 + i));
    const events: ProgressEvent[] = [];
    const results = await make({ smallJob: { files: 0, bytes: 0 } }).hashFiles(paths, {
      onProgress: (e) => events.push(e),
    });
    expect(results.map((r) => r.digest)).toEqual(datas.map((d) => sha(d)));
    const last = events.at(-1)!;
    expect(last).toMatchObject({ phase: "hash", filesDone: 300, filesTotal: 300 });
    expect(last.bytesDone).toBe(datas.reduce((n, d) => n + d.length, 0));
  });

  it("persists digests and skips unchanged files; re-hashes changed ones", async () => {
    const { paths } = await files([5000, 6000]);
    for (const p of paths) await utimes(p, past, past);
    const cacheDir = join(dir, "cache");
    const first = await make({ cacheDir }).hashFiles(paths);
    expect(first.map((r) => r.cached)).toEqual([false, false]);

    await writeFile(paths[1]!, "changed!");
    await utimes(paths[1]!, past, new Date(past.getTime() + 1000));
    const second = await make({ cacheDir }).hashFiles(paths);
    expect(second.map((r) => r.cached)).toEqual([true, false]);
    expect(second[0]!.digest).toBe(first[0]!.digest);
    expect(second[1]!.digest).toBe(sha("changed!"));
    expect(await readdir(cacheDir)).toEqual([DIGEST_CACHE_FILE]); // saved atomically: no temp left
  });

  it("does not cache files modified within the racy window", async () => {
    const { paths } = await files([100]);
    const cacheDir = join(dir, "cache");
    await make({ cacheDir }).hashFiles(paths);
    const again = await make({ cacheDir }).hashFiles(paths);
    expect(again[0]!.cached).toBe(false);
  });

  it("refuses a missing file with NOT_FOUND and a directory with INVALID_PATH", async () => {
    const hasher = make();
    await expect(hasher.hashFiles([join(dir, "nope")])).rejects.toSatisfy((e) =>
      isCairnError(e, "NOT_FOUND"),
    );
    await expect(hasher.hashFiles([dir])).rejects.toSatisfy((e) => isCairnError(e, "INVALID_PATH"));
  });

  it("detects a file growing while a worker hashes it", async () => {
    const p = join(dir, "growing.bin");
    await writeFile(p, Buffer.alloc(128 * 1024 * 1024, 1));
    const hashing = make({ concurrency: 1, smallJob: { files: 0, bytes: 0 } }).hashFiles([p]);
    let settled = false;
    const outcome = hashing.then(
      () => "ok",
      (e: unknown) => e,
    );
    void outcome.then(() => {
      settled = true;
    });
    while (!settled) await appendFile(p, "x");
    const error = await outcome;
    expect(isCairnError(error, "CONFLICT")).toBe(true);
    expect((error as Error).message).toMatch(/changed while it was being logged/);
  });
});

describe("DigestCache", () => {
  it("survives damaged lines and ignores a foreign file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cairn-dc-"));
    const file = join(dir, "c.ndjson");
    const cache = new DigestCache(file);
    await cache.load();
    const id = { size: 1, mtimeMs: 2, ino: 3 };
    cache.set("/a", id, "a".repeat(64));
    cache.set("/b", id, "b".repeat(64));
    await cache.save();
    const text = await readFile(file, "utf8");
    await writeFile(file, `${text}not json\n`);
    const reloaded = new DigestCache(file);
    await reloaded.load();
    expect(reloaded.get("/a", id)).toBe("a".repeat(64));
    expect(reloaded.get("/a", { ...id, ino: 4 })).toBeUndefined();
    expect(await reloaded.size()).toBe(2);

    await writeFile(file, `something else\n["/a",1,2,3,"${"a".repeat(64)}"]\n`);
    const foreign = new DigestCache(file);
    await foreign.load();
    expect(await foreign.size()).toBe(0);
  });

  it("merges records another process saved meanwhile", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cairn-dc-"));
    const file = join(dir, "c.ndjson");
    const one = new DigestCache(file);
    const two = new DigestCache(file);
    await one.load();
    await two.load();
    const id = { size: 1, mtimeMs: 1, ino: 1 };
    one.set("/one", id, "1".repeat(64));
    two.set("/two", id, "2".repeat(64));
    await one.save();
    await two.save();
    const three = new DigestCache(file);
    await three.load();
    expect(three.get("/one", id)).toBe("1".repeat(64));
    expect(three.get("/two", id)).toBe("2".repeat(64));
  });
});
