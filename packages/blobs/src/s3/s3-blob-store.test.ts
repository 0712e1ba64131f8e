import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BlobStore, createS3BlobStore } from "../index.js";
import {
  expectCairnError,
  randomBlob,
  runBlobStoreConformance,
  type S3TestServer,
  startS3TestServer,
} from "../testing/index.js";

let server: S3TestServer;

beforeAll(async () => {
  server = await startS3TestServer();
});
afterAll(async () => {
  await server.close();
});

function keyOf(prefix: string, digest: string): string {
  return `${prefix}${digest.slice(0, 2)}/${digest.slice(2, 4)}/${digest}`;
}

// Each test gets its own key prefix in the shared bucket, so list() sees only its blobs.
runBlobStoreConformance("s3 (s3rver over HTTP)", async () => {
  const prefix = `t-${randomUUID()}/`;
  return {
    store: createS3BlobStore(server.storeOptions(prefix)),
    corrupt: async (digest) => {
      await server.client.send(
        new PutObjectCommand({
          Bucket: server.bucket,
          Key: keyOf(prefix, digest),
          Body: "other bytes",
        }),
      );
    },
  };
});

describe("s3 blob store specifics", () => {
  it("signs the SHA-256 checksum and SSE into presigned PUTs when configured", async () => {
    const store = createS3BlobStore(
      server.storeOptions("signed/", {
        signSha256Checksum: true,
        sse: { type: "aws:kms", kmsKeyId: "key-1" },
      }),
    );
    const { bytes, digest } = randomBlob(64);
    const put = await store.presignPut(digest, bytes.length, { expiresIn: 60 });
    expect(put?.headers).toEqual({
      "x-amz-checksum-sha256": Buffer.from(digest, "hex").toString("base64"),
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id": "key-1",
    });
    const signed = new URL(put!.url).searchParams.get("X-Amz-SignedHeaders")?.split(";") ?? [];
    expect(signed).toEqual(
      expect.arrayContaining(["x-amz-checksum-sha256", "x-amz-server-side-encryption", "host"]),
    );
    // s3rver checks the signature: the returned headers are exactly what was signed.
    const response = await fetch(put!.url, { method: "PUT", headers: put!.headers, body: bytes });
    expect(response.status, await response.text()).toBe(200);
    // The bucket enforced the checksum at the staging key: completing copies it into place.
    expect(await store.has(digest)).toBe(false);
    expect(await store.completePut(digest, put!.uploadId, bytes.length)).toEqual({ size: 64 });
    expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });
    await expectCairnError(store.completePut(digest, put!.uploadId, 64), "NOT_FOUND");
    // A size other than the staged object's is refused (and the staged object dropped).
    const sized = await store.presignPut(digest, bytes.length, { expiresIn: 60 });
    await fetch(sized!.url, { method: "PUT", headers: sized!.headers, body: bytes });
    await expectCairnError(store.completePut(digest, sized!.uploadId, 65), "DIGEST_MISMATCH");
    await expectCairnError(store.completePut(digest, sized!.uploadId, 64), "NOT_FOUND");
    const unsigned = createS3BlobStore(server.storeOptions("plain/"));
    expect((await unsigned.presignPut(digest, 64, { expiresIn: 60 }))?.headers).toEqual({});
  });

  it("ignores foreign keys under its prefix when listing", async () => {
    const prefix = `t-${randomUUID()}/`;
    const store = createS3BlobStore(server.storeOptions(prefix));
    const { bytes, digest } = randomBlob(10);
    await store.put(digest, bytes);
    await server.client.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: `${prefix}notes.txt`, Body: "x" }),
    );
    const wrongShard = keyOf(prefix, randomBlob(3).digest).replace(/^([^/]+\/)../, "$1zz");
    await server.client.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: wrongShard, Body: "x" }),
    );
    const listed = [];
    for await (const info of store.list()) listed.push(info);
    expect(listed.map((b) => [b.digest, b.size])).toEqual([[digest, 10]]);
  });

  it("round-trips multipart puts in WHEN_SUPPORTED mode too (lib-storage sends sized parts)", async () => {
    const store: BlobStore = createS3BlobStore(
      server.storeOptions(`t-${randomUUID()}/`, {
        checksumMode: "WHEN_SUPPORTED",
        uploadPartSize: 5 * 1024 * 1024,
      }),
    );
    const { bytes, digest } = randomBlob(11 * 1024 * 1024);
    await store.put(
      digest,
      Readable.from([bytes.subarray(0, 3_000_000), bytes.subarray(3_000_000)]),
    );
    expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });
  });

  it("aborts a multipart put whose bytes turn out wrong before anything becomes visible", async () => {
    const store = createS3BlobStore(
      server.storeOptions(`t-${randomUUID()}/`, { uploadPartSize: 5 * 1024 * 1024 }),
    );
    const { bytes, digest } = randomBlob(11 * 1024 * 1024);
    const wrong = Buffer.from(bytes);
    wrong[wrong.length - 1] = (wrong[wrong.length - 1]! + 1) % 256;
    await expectCairnError(store.put(digest, Readable.from([wrong])), "DIGEST_MISMATCH");
    expect(await store.has(digest)).toBe(false);
  });

  it("maps an unreachable endpoint to UNAVAILABLE and a bad prefix to INVALID_INPUT", async () => {
    const store = createS3BlobStore({
      ...server.storeOptions("x/"),
      endpoint: "http://127.0.0.1:1",
    });
    const error = await expectCairnError(store.stat(randomBlob(1).digest), "UNAVAILABLE");
    expect(error.message).toContain(server.bucket);
    expect(() => createS3BlobStore(server.storeOptions("/abs"))).toThrow(/prefix/);
  });
});
