import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3BlobStore } from "../index.js";
import { randomBlob } from "../testing/index.js";

// s3rver ignores SSE headers, so a recording endpoint checks what actually goes on the wire.
let server: Server;
let endpoint: string;
const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    req.resume();
    req.on("end", () => {
      if (req.method === "POST" && req.url?.includes("uploads")) {
        res.setHeader("content-type", "application/xml");
        res.end(
          "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>",
        );
        return;
      }
      res.setHeader("etag", '"e"');
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("s3 server-side encryption", () => {
  it("sends the SSE parameters with every write: put and multipart creation", async () => {
    const store = createS3BlobStore({
      bucket: "bucket",
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      forcePathStyle: true,
      checksumMode: "WHEN_REQUIRED",
      signSha256Checksum: false,
      sse: { type: "aws:kms", kmsKeyId: "arn:key/1" },
    });
    const { bytes, digest } = randomBlob(100);
    seen.length = 0;
    await store.put(digest, bytes);
    const upload = await store.createMultipart(digest, 6 * 1024 * 1024, 5 * 1024 * 1024);
    expect(upload?.uploadId).toMatch(/^[0-9a-f-]{36}\.up-1$/);
    expect(upload?.parts.map((p) => p.partNumber)).toEqual([1, 2]);
    const writes = seen.filter((r) => r.method === "PUT" || r.method === "POST");
    expect(writes.map((r) => r.method)).toEqual(["PUT", "POST"]);
    // The put goes to the blob's key; a presigned multipart upload to a staging key of its own.
    expect(writes[0]?.url).toContain(
      `/bucket/blobs/${digest.slice(0, 2)}/${digest.slice(2, 4)}/${digest}`,
    );
    expect(writes[1]?.url).toMatch(/\/bucket\/blobs\/staging\/[0-9a-f-]{36}\?uploads/);
    for (const write of writes) {
      expect(write.headers["x-amz-server-side-encryption"]).toBe("aws:kms");
      expect(write.headers["x-amz-server-side-encryption-aws-kms-key-id"]).toBe("arn:key/1");
    }
  });
});
