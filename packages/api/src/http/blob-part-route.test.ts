import { createHash } from "node:crypto";
import { signByteToken } from "@cairn/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/index.js";

const MiB = 1024 * 1024;
/** Just above the multipart threshold (64 MiB): four 16 MiB parts and a 1-byte fifth. */
const SIZE = 64 * MiB + 1;

/** Deterministic bytes (each MiB stamped with its index) and their digest, without randomBytes(64 MiB). */
function bigBlob(seed: number): { bytes: Buffer; digest: string } {
  const bytes = Buffer.alloc(SIZE, seed);
  for (let i = 0; i * MiB + 4 <= SIZE; i++) bytes.writeUInt32BE(i, i * MiB);
  return { bytes, digest: createHash("sha256").update(bytes).digest("hex") };
}

type Target = Awaited<
  ReturnType<TestServer["client"]["blobs"]["missing"]["mutate"]>
>["missing"][number]["upload"];

describe("PUT /blobs/<digest>/parts/<n> (multipart uploads to the directory store)", () => {
  let server: TestServer;
  const P = { entity: "admin", project: "default" };
  beforeAll(async () => {
    server = await startTestServer({ db: "pglite", blobs: "fs" });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function multipartTarget(digest: string) {
    const answer = await server.client.blobs.missing.mutate({
      ...P,
      blobs: [{ digest, size: SIZE }],
    });
    const upload: Target | undefined = answer.missing[0]?.upload;
    if (upload?.kind !== "multipart")
      throw new Error(`expected a multipart target, got ${upload?.kind}`);
    return upload;
  }

  const slice = (bytes: Buffer, partNumber: number, partSize: number, size: number) =>
    bytes.subarray((partNumber - 1) * partSize, (partNumber - 1) * partSize + size);

  it("hands out part URLs on the server, answers each part with an ETag, and completes", async () => {
    const { bytes, digest } = bigBlob(1);
    const upload = await multipartTarget(digest);
    expect(upload.partSize).toBe(16 * MiB);
    expect(upload.parts.map((p) => p.size)).toEqual([16 * MiB, 16 * MiB, 16 * MiB, 16 * MiB, 1]);
    for (const part of upload.parts) {
      expect(
        part.url.startsWith(`${server.baseUrl}/blobs/${digest}/parts/${part.partNumber}?t=`),
      ).toBe(true);
    }
    const parts = [];
    for (const part of upload.parts) {
      const body = slice(bytes, part.partNumber, upload.partSize, part.size);
      const response = await fetch(part.url, { method: "PUT", body });
      expect(response.status, await response.clone().text()).toBe(200);
      const etag = response.headers.get("etag");
      expect(etag).toBe(`"${createHash("sha256").update(body).digest("hex")}"`);
      parts.push({ partNumber: part.partNumber, etag: etag! });
    }
    // Sending a part again (a retry) is harmless: same bytes, same ETag.
    const again = await fetch(upload.parts[0]!.url, {
      method: "PUT",
      body: slice(bytes, 1, upload.partSize, upload.parts[0]!.size),
    });
    expect(again.headers.get("etag")).toBe(parts[0]!.etag);
    expect(await server.services.deps.blobs.has(digest)).toBe(false);

    await server.client.blobs.complete.mutate({
      ...P,
      digest,
      size: SIZE,
      multipart: { uploadId: upload.uploadId, parts },
    });
    expect(await server.services.deps.blobs.verify(digest)).toEqual({ ok: true, actual: digest });
    const after = await server.client.blobs.missing.mutate({
      ...P,
      blobs: [{ digest, size: SIZE }],
    });
    expect(after.missing).toEqual([]);
  }, 120_000);

  it("refuses missing and forged tokens, another part's token, and bodies over the part size", async () => {
    const { bytes, digest } = bigBlob(2);
    const upload = await multipartTarget(digest);
    const last = upload.parts[4]!;
    const base = `${server.baseUrl}/blobs/${digest}/parts/5`;
    const token = new URL(last.url).searchParams.get("t")!;

    const noToken = await fetch(base, { method: "PUT", body: Buffer.alloc(1) });
    expect(noToken.status).toBe(401);
    const forged = await fetch(`${base}?t=${encodeURIComponent(`${token.split(".")[0]}.AAAA`)}`, {
      method: "PUT",
      body: Buffer.alloc(1),
    });
    expect(forged.status).toBe(401);
    // Part 5's token on part 4's path.
    const otherPart = await fetch(
      `${server.baseUrl}/blobs/${digest}/parts/4?t=${encodeURIComponent(token)}`,
      {
        method: "PUT",
        body: Buffer.alloc(1),
      },
    );
    expect(otherPart.status).toBe(403);
    expect(((await otherPart.json()) as { error: { message: string } }).error.message).toMatch(
      /part 5/,
    );
    // A whole-blob upload token is not a part token.
    const putToken = signByteToken(server.services.deps.signingSecret, {
      d: digest,
      op: "put",
      e: "x",
      s: 1,
      x: Math.floor(Date.now() / 1000) + 60,
    });
    const wrongOp = await fetch(`${base}?t=${encodeURIComponent(putToken)}`, {
      method: "PUT",
      body: Buffer.alloc(1),
    });
    expect(wrongOp.status).toBe(403);

    // Over the 1-byte cap: declared (Content-Length) and streamed (chunked, no length).
    const declared = await fetch(last.url, { method: "PUT", body: Buffer.alloc(2) });
    expect(declared.status).toBe(413);
    async function* chunked() {
      yield new Uint8Array(1);
      yield new Uint8Array(1);
    }
    const streamed = await fetch(last.url, {
      method: "PUT",
      body: chunked(),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const short = await fetch(upload.parts[0]!.url, { method: "PUT", body: Buffer.alloc(10) });
    expect(short.status).toBe(400);
    const get = await fetch(last.url);
    expect(get.status).toBe(405);
    const badNumber = await fetch(
      `${server.baseUrl}/blobs/${digest}/parts/0?t=${encodeURIComponent(token)}`,
      {
        method: "PUT",
        body: Buffer.alloc(1),
      },
    );
    expect(badNumber.status).toBe(400);

    // The right byte still goes in, and completing without the other parts names what is missing.
    const ok = await fetch(last.url, { method: "PUT", body: slice(bytes, 5, upload.partSize, 1) });
    expect(ok.status).toBe(200);
    const error = await server.client.blobs.complete
      .mutate({
        ...P,
        digest,
        size: SIZE,
        multipart: {
          uploadId: upload.uploadId,
          parts: [{ partNumber: 5, etag: ok.headers.get("etag")! }],
        },
      })
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/part 1 is not listed/);
  }, 120_000);

  it("refuses parts that do not add up to the digest, naming the blob, and forgets the upload", async () => {
    const { bytes, digest } = bigBlob(3);
    const upload = await multipartTarget(digest);
    const parts = [];
    for (const part of upload.parts) {
      const body = Buffer.from(slice(bytes, part.partNumber, upload.partSize, part.size));
      if (part.partNumber === 2) body[7] = body[7]! ^ 1;
      const response = await fetch(part.url, { method: "PUT", body });
      parts.push({ partNumber: part.partNumber, etag: response.headers.get("etag")! });
    }
    const error = await server.client.blobs.complete
      .mutate({ ...P, digest, size: SIZE, multipart: { uploadId: upload.uploadId, parts } })
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain(digest);
    expect(await server.services.deps.blobs.has(digest)).toBe(false);
    const retry = await fetch(upload.parts[0]!.url, {
      method: "PUT",
      body: slice(bytes, 1, upload.partSize, upload.parts[0]!.size),
    });
    expect(retry.status).toBe(404);
  }, 120_000);
});
