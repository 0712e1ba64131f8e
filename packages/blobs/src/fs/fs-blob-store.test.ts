import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createFsBlobStore } from "../index.js";
import { randomBlob, runBlobStoreConformance } from "../testing/index.js";

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

  it("cannot presign or do multipart: the server offers its own upload route", async () => {
    const store = createFsBlobStore({ root: join(tmpdir(), "unused") });
    const { digest } = randomBlob(1);
    expect(await store.presignPut(digest, 1, { expiresIn: 60 })).toBeNull();
    await expect(store.completeMultipart(digest, "x", [])).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
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
});
