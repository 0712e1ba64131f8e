import { createHash } from "node:crypto";
import { chmod, mkdtemp, readdir, readFile, stat, truncate, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { isCairnError } from "@cairn/core";
import { beforeEach, describe, expect, it } from "vitest";
import { createBlobCache } from "../internal.js";

const sha = (b: string) => createHash("sha256").update(b).digest("hex");

describe("createBlobCache", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cairn-blobs-"));
  });

  it("stores streamed bytes under their digest, read-only, and links them into place", async () => {
    const cache = createBlobCache({ dir });
    const digest = sha("hello world");
    expect(await cache.has(digest)).toBe(false);
    const path = await cache.put(
      digest,
      Readable.from([Buffer.from("hello "), Buffer.from("world")]),
    );
    expect(path).toBe(cache.pathOf(digest));
    expect(await cache.has(digest)).toBe(true);
    expect((await stat(path)).mode & 0o222).toBe(0);

    const dest = join(dir, "out", "deep", "file.txt");
    expect(await cache.linkInto(digest, dest)).toBe("link");
    expect(await readFile(dest, "utf8")).toBe("hello world");
    expect((await stat(dest)).ino).toBe((await stat(path)).ino);
    // linking again replaces the file atomically
    await cache.linkInto(digest, dest);
    expect(await readdir(join(dir, "out", "deep"))).toEqual(["file.txt"]);
  });

  it("accepts web streams and buffers", async () => {
    const cache = createBlobCache({ dir });
    await cache.put(sha("abc"), new Blob(["abc"]).stream());
    await cache.put(sha("xyz"), new TextEncoder().encode("xyz"));
    expect(await cache.stats()).toEqual({ blobs: 2, bytes: 6, maxBytes: null });
  });

  it("refuses bytes that do not match the digest and stores nothing", async () => {
    const cache = createBlobCache({ dir });
    const digest = sha("expected");
    await expect(cache.put(digest, Buffer.from("tampered"))).rejects.toSatisfy((e) =>
      isCairnError(e, "DIGEST_MISMATCH"),
    );
    expect(await cache.has(digest)).toBe(false);
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
    expect(() => cache.pathOf("../../etc/passwd")).toThrow(/64 lowercase hex/);
  });

  it("linkAll links many files, reports missing blobs and replaces what is in the way", async () => {
    const cache = createBlobCache({ dir });
    const digest = sha("many");
    await cache.put(digest, Buffer.from("many"));
    const out = join(dir, "all");
    await cache.linkInto(digest, join(out, "old.txt"));
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(out, "taken.txt"), "something else");
    const result = await cache.linkAll([
      { digest, destPath: join(out, "a", "one.txt") },
      { digest, destPath: join(out, "a", "two.txt") },
      { digest: sha("absent"), destPath: join(out, "absent.txt") },
      { digest, destPath: join(out, "taken.txt") },
      { digest, destPath: join(out, "old.txt") },
    ]);
    expect(result).toEqual(["link", "link", "missing", "link", "link"]);
    for (const name of ["a/one.txt", "a/two.txt", "taken.txt", "old.txt"]) {
      expect(await readFile(join(out, name), "utf8")).toBe("many");
    }
    expect((await readdir(out)).sort()).toEqual(["a", "old.txt", "taken.txt"]);
  });

  it("linkAll treats a cached blob of the wrong size (torn by a crash) as missing and drops it", async () => {
    for (const durable of [false, true]) {
      const cache = createBlobCache({ dir: join(dir, String(durable)), durable });
      const digest = sha("twelve bytes");
      const path = await cache.put(digest, Buffer.from("twelve bytes"));
      // What a power loss can leave of a file whose pages never reached the disk.
      await chmod(path, 0o600);
      await truncate(path, 0);
      const out = join(dir, `out-${durable}`);
      const result = await cache.linkAll([
        { digest, destPath: join(out, "sized.txt"), size: 12 },
        { digest, destPath: join(out, "unsized.txt") },
      ]);
      // Without a size the entry cannot be checked; with one it is refetched, and gone.
      expect(result).toEqual(["missing", "missing"]);
      expect(await cache.has(digest)).toBe(false);
      await cache.put(digest, Buffer.from("twelve bytes"));
      expect(await cache.linkAll([{ digest, destPath: join(out, "sized.txt"), size: 12 }])).toEqual(
        ["link"],
      );
      expect(await readFile(join(out, "sized.txt"), "utf8")).toBe("twelve bytes");
    }
  });

  it("linkInto of a missing blob is NOT_FOUND", async () => {
    const cache = createBlobCache({ dir });
    await expect(cache.linkInto(sha("nope"), join(dir, "x"))).rejects.toSatisfy((e) =>
      isCairnError(e, "NOT_FOUND"),
    );
  });

  it("prunes least recently used blobs first", async () => {
    const cache = createBlobCache({ dir });
    const digests = ["aaaa", "bbbb", "cccc"].map((s) => sha(s));
    for (const [i, s] of ["aaaa", "bbbb", "cccc"].entries()) {
      await cache.put(digests[i]!, Buffer.from(s));
      const t = new Date(Date.now() - (10 - i) * 60_000);
      await utimes(cache.pathOf(digests[i]!), t, t);
    }
    // Using the oldest makes it the most recent.
    expect(await cache.has(digests[0]!)).toBe(true);
    const removed = await cache.prune({ maxBytes: 8 });
    expect(removed).toEqual({ removedBlobs: 1, removedBytes: 4 });
    expect(await cache.has(digests[1]!)).toBe(false);
    expect(await cache.has(digests[0]!)).toBe(true);
    expect(await cache.has(digests[2]!)).toBe(true);
  });

  it("enforces maxBytes after each put", async () => {
    const cache = createBlobCache({ dir, maxBytes: 10 });
    await cache.put(sha("123456"), Buffer.from("123456"));
    const old = new Date(Date.now() - 60_000);
    await utimes(cache.pathOf(sha("123456")), old, old);
    await cache.put(sha("abcdef"), Buffer.from("abcdef"));
    expect(await cache.stats()).toEqual({ blobs: 1, bytes: 6, maxBytes: 10 });
    expect(await cache.has(sha("abcdef"))).toBe(true);
  });
});
