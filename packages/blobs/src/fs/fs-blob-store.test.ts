import { mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createFsBlobStore } from "../index.js";
import { randomBlob, runBlobStoreConformance } from "../testing/index.js";

const MiB = 1024 * 1024;

function blobFile(root: string, digest: string): string {
  return join(root, digest.slice(0, 2), digest.slice(2, 4), digest);
}

runBlobStoreConformance("fs", async () => {
  const root = await mkdtemp(join(tmpdir(), "cairn-blobs-"));
  return {
    store: createFsBlobStore({ root }),
    corrupt: (digest) => writeFile(blobFile(root, digest), "not the original bytes"),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe("fs blob store layout", () => {
  it("stores at root/ab/cd/<digest> and leaves no temp files behind, even after a mismatch", async () => {
    const root = await mkdtemp(join(tmpdir(), "cairn-blobs-"));
    try {
      const store = createFsBlobStore({ root });
      const { bytes, digest } = randomBlob(10);
      await store.put(digest, bytes);
      await expect(store.put(randomBlob(1).digest, bytes)).rejects.toMatchObject({
        code: "DIGEST_MISMATCH",
      });
      expect(await readdir(join(root, digest.slice(0, 2), digest.slice(2, 4)))).toEqual([digest]);
      expect(await readdir(join(root, "tmp"))).toEqual([]);
      const listed = [];
      for await (const info of store.list()) listed.push(info.digest);
      expect(listed).toEqual([digest]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("still stores after its temp and shard directories were removed behind its back", async () => {
    const root = await mkdtemp(join(tmpdir(), "cairn-blobs-"));
    try {
      const store = createFsBlobStore({ root });
      const first = randomBlob(10);
      await store.put(first.digest, first.bytes);
      await rm(join(root, "tmp"), { recursive: true });
      await rm(join(root, first.digest.slice(0, 2)), { recursive: true });
      // Same shard as the first blob, so the store's memory of that directory is stale.
      await store.put(first.digest, first.bytes);
      expect(await store.has(first.digest)).toBe(true);
      expect(await readdir(join(root, "tmp"))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("cannot presign: multipart uploads are unsigned, their parts relayed by the server", async () => {
    const store = createFsBlobStore({ root: join(tmpdir(), "unused") });
    const { digest } = randomBlob(1);
    expect(await store.presignPut(digest, 1, { expiresIn: 60 })).toBeNull();
    expect(await store.createMultipart(digest, 6 * MiB, 5 * MiB)).toBeNull();
    await expect(store.completeMultipart(digest, "x", [])).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("keeps multipart parts durably in tmp/multipart/<id>: a re-opened store completes the upload", async () => {
    const root = await mkdtemp(join(tmpdir(), "cairn-blobs-"));
    try {
      const { bytes, digest } = randomBlob(12 * MiB);
      const before = createFsBlobStore({ root });
      const upload = await before.createUnsignedMultipart(digest, bytes.length, 5 * MiB);
      const parts = [];
      for (const { partNumber, size } of upload!.parts.slice(0, 2)) {
        const start = (partNumber - 1) * 5 * MiB;
        const body = bytes.subarray(start, start + size);
        parts.push({
          partNumber,
          ...(await before.putPart(digest, upload!.uploadId, partNumber, body, size)),
        });
      }
      const dir = join(root, "tmp", "multipart", upload!.uploadId.split(".")[0]!);
      expect((await readdir(dir)).sort()).toEqual(
        [...parts.map((p) => `${p.partNumber}.${p.etag.slice(1, -1)}.part`), "upload.json"].sort(),
      );
      // What a server killed mid-part leaves behind: a half-written temp file.
      await writeFile(join(dir, "0a0b0c0d-half-written.tmp"), bytes.subarray(0, 1000));

      // A new process (a restarted server) opens the same directory and finishes the upload.
      const after = createFsBlobStore({ root });
      const last = upload!.parts[2]!;
      parts.push({
        partNumber: 3,
        ...(await after.putPart(digest, upload!.uploadId, 3, bytes.subarray(10 * MiB), last.size)),
      });
      expect(await after.completeMultipart(digest, upload!.uploadId, parts)).toEqual({
        size: bytes.length,
      });
      expect(await after.verify(digest)).toEqual({ ok: true, actual: digest });
      // The parts are gone; the finished record stays (a late part is refused) until the sweep.
      expect(await readdir(dir)).toEqual(["upload.json"]);
      await expect(
        after.putPart(digest, upload!.uploadId, 1, bytes.subarray(0, 5 * MiB), 5 * MiB),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
      const listed = [];
      for await (const info of after.list()) listed.push(info.digest);
      expect(listed).toEqual([digest]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("plans multipart uploads without touching the disk: the first part makes the directory", async () => {
    const root = await mkdtemp(join(tmpdir(), "cairn-blobs-"));
    try {
      const store = createFsBlobStore({ root });
      const { bytes, digest } = randomBlob(6 * MiB);
      const uploads = [];
      for (let i = 0; i < 200; i++) {
        uploads.push(await store.createUnsignedMultipart(digest, bytes.length, 5 * MiB));
      }
      expect(new Set(uploads.map((u) => u!.uploadId)).size).toBe(200);
      await expect(readdir(join(root, "tmp"))).rejects.toMatchObject({ code: "ENOENT" });
      // Aborting a plan that never received a part makes nothing either.
      await store.abortMultipart(digest, uploads[1]!.uploadId);
      await expect(readdir(join(root, "tmp"))).rejects.toMatchObject({ code: "ENOENT" });
      // Once started, the upload is bound to its digest and shape: another digest, or the same
      // id with another size, is an unknown upload.
      const id = uploads[0]!.uploadId;
      const part = await store.putPart(digest, id, 2, bytes.subarray(5 * MiB), MiB);
      expect(await readdir(join(root, "tmp", "multipart"))).toEqual([id.split(".")[0]]);
      await expect(
        store.putPart(randomBlob(2).digest, id, 2, bytes.subarray(5 * MiB), MiB),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
      const forged = id.replace(/\.\d+\./, `.${7 * MiB}.`);
      await expect(
        store.putPart(digest, forged, 2, bytes.subarray(5 * MiB), MiB),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
      const first = await store.putPart(digest, id, 1, bytes.subarray(0, 5 * MiB), 5 * MiB);
      expect(
        await store.completeMultipart(digest, id, [
          { partNumber: 1, ...first },
          { partNumber: 2, ...part },
        ]),
      ).toEqual({ size: bytes.length });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("rejects a body that yields strings instead of bytes", async () => {
    const root = await mkdtemp(join(tmpdir(), "cairn-blobs-"));
    try {
      const store = createFsBlobStore({ root });
      async function* strings() {
        yield "text" as unknown as Uint8Array;
      }
      await expect(store.put(randomBlob(1).digest, strings())).rejects.toMatchObject({
        code: "INVALID_INPUT",
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("writes and fsyncs content already stored, then discards it (no overwrite, nothing left in tmp/)", async () => {
    const root = await mkdtemp(join(tmpdir(), "cairn-blobs-"));
    try {
      const store = createFsBlobStore({ root });
      const { bytes, digest } = randomBlob(70_000);
      await store.put(digest, bytes);
      const path = join(root, digest.slice(0, 2), digest.slice(2, 4), digest);
      const before = await stat(path);
      expect(await store.put(digest, bytes)).toEqual({ size: bytes.length });
      const after = await stat(path);
      expect(after.ino).toBe(before.ino);
      expect(after.mode & 0o777).toBe(0o600);
      expect(await readdir(join(root, "tmp"))).toEqual([]);
      // Wrong bytes for a stored digest are refused and never touch the good copy.
      await expect(store.put(digest, randomBlob(70_000).bytes)).rejects.toMatchObject({
        code: "DIGEST_MISMATCH",
      });
      expect((await stat(path)).ino).toBe(before.ino);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("sweeps temporaries older than the cutoff and keeps younger ones", async () => {
    const root = await mkdtemp(join(tmpdir(), "cairn-blobs-"));
    try {
      const store = createFsBlobStore({ root });
      await store.put(randomBlob(10).digest, randomBlob(10).bytes).catch(() => {});
      const tmp = join(root, "tmp");
      const { digest } = randomBlob(1);
      const upload = await store.createUnsignedMultipart(digest, 6 * MiB, 5 * MiB);
      await store.putPart(digest, upload!.uploadId, 2, randomBlob(MiB).bytes, MiB);
      await writeFile(join(tmp, "killed"), "x");
      const old = new Date(Date.now() - 3 * 3600_000);
      await utimes(join(tmp, "killed"), old, old);
      await utimes(join(tmp, "multipart", upload!.uploadId.split(".")[0]!), old, old);
      await writeFile(join(tmp, "live"), "y");
      expect(await store.sweepTemporary?.(new Date(Date.now() - 3600_000))).toBe(2);
      expect((await readdir(tmp)).sort()).toEqual(["live", "multipart"]);
      expect(await readdir(join(tmp, "multipart"))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
