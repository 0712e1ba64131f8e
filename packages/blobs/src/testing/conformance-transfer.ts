import { Readable } from "node:stream";
import { expect, it } from "vitest";
import type { PresignedRequest } from "../types.js";
import type { ConformanceSubject } from "./conformance-subject.js";
import { expectCairnError, randomBlob, readAll, sha256Hex } from "./helpers.js";

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
 * store that cannot presign must say so consistently (`null` everywhere), and then offers unsigned
 * multipart uploads whose parts the server relays (`putPart`); a presigning store has none.
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

  it("round-trips an unsigned (server-relayed) multipart upload, or consistently has none", async () => {
    const { store } = current();
    const { bytes, digest } = randomBlob(11 * MiB + 123);
    const upload = await store.createUnsignedMultipart(digest, bytes.length, 5 * MiB);
    if (upload === null) {
      await expectCairnError(
        store.putPart(digest, "any", 1, bytes.subarray(0, 10), 10),
        "NOT_FOUND",
      );
      return;
    }
    expect(upload.parts).toEqual([
      { partNumber: 1, size: 5 * MiB },
      { partNumber: 2, size: 5 * MiB },
      { partNumber: 3, size: MiB + 123 },
    ]);
    await expectCairnError(
      store.createUnsignedMultipart(digest, bytes.length, 1024),
      "INVALID_INPUT",
    );
    const parts: Array<{ partNumber: number; etag: string }> = [];
    // Out of order, and part 2 twice: the last upload of a part is the one that counts.
    for (const { partNumber, size } of [...upload.parts].reverse()) {
      const start = (partNumber - 1) * 5 * MiB;
      const { etag } = await store.putPart(
        digest,
        upload.uploadId,
        partNumber,
        bytes.subarray(start, start + size),
        size,
      );
      expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
      expect(etag).toBe(`"${sha256Hex(bytes.subarray(start, start + size))}"`);
      parts.push({ partNumber, etag });
    }
    const again = await store.putPart(
      digest,
      upload.uploadId,
      2,
      Readable.from([bytes.subarray(5 * MiB, 7 * MiB), bytes.subarray(7 * MiB, 10 * MiB)]),
      5 * MiB,
    );
    expect(again.etag).toBe(parts.find((p) => p.partNumber === 2)?.etag);
    expect(await store.has(digest)).toBe(false);
    expect(await store.completeMultipart(digest, upload.uploadId, parts)).toEqual({
      size: bytes.length,
    });
    expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });
    expect((await readAll(await store.get(digest))).equals(bytes)).toBe(true);
    // Completed uploads are gone.
    await expectCairnError(
      store.putPart(digest, upload.uploadId, 1, bytes.subarray(0, 5 * MiB), 5 * MiB),
      "NOT_FOUND",
    );
    await expectCairnError(store.completeMultipart(digest, upload.uploadId, parts), "NOT_FOUND");
  }, 60_000);

  it("refuses wrong parts of an unsigned multipart upload, naming the blob", async () => {
    const { store } = current();
    const { bytes, digest } = randomBlob(6 * MiB);
    const upload = await store.createUnsignedMultipart(digest, bytes.length, 5 * MiB);
    if (upload === null) return;
    const id = upload.uploadId;
    const first = bytes.subarray(0, 5 * MiB);
    const rest = bytes.subarray(5 * MiB);
    // Wrong size, too long, too short, unknown part, unknown upload, another blob's upload.
    await expectCairnError(store.putPart(digest, id, 2, first, 5 * MiB), "INVALID_INPUT");
    await expectCairnError(
      store.putPart(digest, id, 2, Buffer.concat([rest, Buffer.alloc(1)]), MiB),
      "PAYLOAD_TOO_LARGE",
    );
    await expectCairnError(store.putPart(digest, id, 2, rest.subarray(1), MiB), "INVALID_INPUT");
    await expectCairnError(store.putPart(digest, id, 3, rest, MiB), "INVALID_INPUT");
    await expectCairnError(
      store.putPart(digest, "00000000-0000-4000-8000-000000000000", 1, first, 5 * MiB),
      "NOT_FOUND",
    );
    await expectCairnError(store.putPart(digest, "../../x", 1, first, 5 * MiB), "NOT_FOUND");
    await expectCairnError(store.putPart(randomBlob(1).digest, id, 1, first, 5 * MiB), "NOT_FOUND");
    const one = await store.putPart(digest, id, 1, first, 5 * MiB);
    // A missing part, and an ETag the store never issued, are refused before any assembly.
    await expectCairnError(
      store.completeMultipart(digest, id, [{ partNumber: 1, etag: one.etag }]),
      "INVALID_INPUT",
    );
    const wrongRest = randomBlob(MiB).bytes;
    const two = await store.putPart(digest, id, 2, wrongRest, MiB);
    await expectCairnError(
      store.completeMultipart(digest, id, [
        { partNumber: 1, etag: one.etag },
        { partNumber: 2, etag: `"${sha256Hex(rest)}"` },
      ]),
      "INVALID_INPUT",
    );
    // Parts that do not hash to the digest: refused naming the blob, nothing stored, parts freed.
    const error = await expectCairnError(
      store.completeMultipart(digest, id, [
        { partNumber: 2, etag: two.etag },
        { partNumber: 1, etag: one.etag },
      ]),
      "DIGEST_MISMATCH",
    );
    expect(error.message).toContain(digest);
    expect(await store.has(digest)).toBe(false);
    await expectCairnError(store.putPart(digest, id, 1, first, 5 * MiB), "NOT_FOUND");

    const aborted = await store.createUnsignedMultipart(digest, bytes.length, 5 * MiB);
    await store.putPart(digest, aborted!.uploadId, 1, first, 5 * MiB);
    await store.abortMultipart(digest, aborted!.uploadId);
    await store.abortMultipart(digest, aborted!.uploadId); // idempotent
    await expectCairnError(store.putPart(digest, aborted!.uploadId, 2, rest, MiB), "NOT_FOUND");
    expect(await store.has(digest)).toBe(false);
  }, 60_000);
}
