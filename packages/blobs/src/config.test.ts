import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BlobStoreConfig, createBlobStore } from "./index.js";
import { randomBlob, readAll, type S3TestServer, startS3TestServer } from "./testing/index.js";

describe("createBlobStore", () => {
  let root: string;
  let s3: S3TestServer;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "cairn-blobs-config-"));
    s3 = await startS3TestServer({ bucket: "config-test" });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await s3.close();
  });

  it("builds an encrypted directory store from a hex key", async () => {
    const store = createBlobStore({
      kind: "fs",
      root,
      encryptionKey: randomBytes(32).toString("hex"),
    });
    expect(store.kind).toBe("fs");
    const { bytes, digest } = randomBlob(64);
    await store.put(digest, bytes);
    const onDisk = await readFile(join(root, digest.slice(0, 2), digest.slice(2, 4), digest));
    expect(onDisk.subarray(0, 8).toString()).toBe("CAIRNENC");
    expect((await readAll(await store.get(digest))).equals(bytes)).toBe(true);
  });

  it("builds an S3 store that talks to the bucket", async () => {
    const store = createBlobStore({
      kind: "s3",
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
      checksumMode: "WHEN_REQUIRED",
      signSha256Checksum: false,
    });
    expect(store.kind).toBe("s3");
    const { bytes, digest } = randomBlob(64);
    await store.put(digest, bytes);
    expect(await store.stat(digest)).toEqual({ size: 64 });
  });

  it("refuses invalid configurations with every problem named", () => {
    const bad = [
      [{ kind: "ftp", root }, /kind/],
      [{ kind: "fs" }, /root/],
      [{ kind: "s3", bucket: "b", region: "r" }, /bucket/],
      [{ kind: "s3", bucket: "bucket", endpoint: "not a url" }, /endpoint/],
      [{ kind: "s3", bucket: "bucket", checksumMode: "ALWAYS" }, /checksumMode/],
      [{ kind: "s3", bucket: "bucket", sse: { type: "DES" } }, /sse/],
    ] as const;
    for (const [config, problem] of bad) {
      let error: unknown;
      try {
        createBlobStore(config as unknown as BlobStoreConfig);
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(config)).toMatchObject({ code: "INVALID_INPUT" });
      expect((error as Error).message).toMatch(problem);
    }
    expect(() => createBlobStore({ kind: "fs", root, encryptionKey: "abcd" })).toThrow(/32 bytes/);
  });
});
