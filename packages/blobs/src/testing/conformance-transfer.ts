import { expect, it } from "vitest";
import type { PresignedRequest } from "../types.js";
import type { ConformanceSubject } from "./conformance.js";
import { expectCairnError, randomBlob } from "./helpers.js";

const MiB = 1024 * 1024;

async function send(request: PresignedRequest, body?: Uint8Array): Promise<Response> {
  return fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(body === undefined ? {} : { body }),
  });
}

async function uploadParts(
  parts: Array<{ partNumber: number; url: string; size: number }>,
  bytes: Buffer,
): Promise<Array<{ partNumber: number; etag: string }>> {
  let offset = 0;
  const done = [];
  for (const part of parts) {
    const response = await fetch(part.url, {
      method: "PUT",
      body: bytes.subarray(offset, offset + part.size),
    });
    offset += part.size;
    expect(response.status, await response.clone().text()).toBe(200);
    const etag = response.headers.get("etag");
    expect(etag).toBeTruthy();
    done.push({ partNumber: part.partNumber, etag: etag ?? "" });
  }
  return done;
}

/**
 * Direct-transfer cases of the conformance suite: presigned PUT/GET and presigned multipart. A
 * store that cannot presign must say so consistently (`null` everywhere).
 */
export function runTransferConformance(current: () => ConformanceSubject): void {
  it("round-trips presigned PUT and GET with fetch (or consistently cannot presign)", async () => {
    const { store } = current();
    const { bytes, digest } = randomBlob(40_000);
    const put = await store.presignPut(digest, bytes.length, { expiresIn: 300 });
    if (put === null) {
      expect(await store.presignGet(digest, { expiresIn: 300 })).toBeNull();
      expect(await store.createMultipart(digest, bytes.length, 5 * MiB)).toBeNull();
      return;
    }
    expect(put.method).toBe("PUT");
    const response = await send(put, bytes);
    expect(response.status, await response.text()).toBe(200);
    expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });
    const get = await store.presignGet(digest, { expiresIn: 300 });
    expect(get?.method).toBe("GET");
    const downloaded = await send(get!);
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("never lets wrong bytes sent to a presigned PUT pass as the blob", async () => {
    const { store } = current();
    const { bytes, digest } = randomBlob(1000);
    const put = await store.presignPut(digest, bytes.length, { expiresIn: 300 });
    if (put === null) return;
    const wrong = randomBlob(1000).bytes;
    const response = await send(put, wrong);
    // A bucket that enforces the signed checksum refuses; one that does not must fail verify().
    if (response.ok) expect((await store.verify(digest)).ok).toBe(false);
    else expect(await store.has(digest)).toBe(false);
  });

  it("round-trips a presigned multipart upload and refuses a wrong one", async () => {
    const { store } = current();
    const { bytes, digest } = randomBlob(11 * MiB + 123);
    const upload = await store.createMultipart(digest, bytes.length, 5 * MiB, { expiresIn: 300 });
    if (upload === null) return;
    expect(upload.parts.map((p) => p.size)).toEqual([5 * MiB, 5 * MiB, MiB + 123]);
    const parts = await uploadParts(upload.parts, bytes);
    expect(await store.completeMultipart(digest, upload.uploadId, parts.reverse())).toEqual({
      size: bytes.length,
    });
    expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });

    const other = randomBlob(6 * MiB);
    const wrong = await store.createMultipart(other.digest, other.bytes.length, 5 * MiB);
    const wrongParts = await uploadParts(wrong!.parts, randomBlob(6 * MiB).bytes);
    await expectCairnError(
      store.completeMultipart(other.digest, wrong!.uploadId, wrongParts),
      "DIGEST_MISMATCH",
    );
    expect(await store.has(other.digest)).toBe(false);

    const aborted = await store.createMultipart(other.digest, other.bytes.length, 5 * MiB);
    await store.abortMultipart(other.digest, aborted!.uploadId);
    expect(await store.has(other.digest)).toBe(false);
    await expectCairnError(store.createMultipart(digest, bytes.length, 1024), "INVALID_INPUT");
  }, 60_000);
}
