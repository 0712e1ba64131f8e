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
      await expectCairnError(store.completePut(digest, "any", bytes.length), "NOT_FOUND");
      return;
    }
    expect(put.method).toBe("PUT");
    // The PUT goes to a staging key of its own: nothing is addressable until it is completed.
    expect(put.url).not.toContain(digest);
    const response = await send(put, bytes);
    expect(response.status, await response.text()).toBe(200);
    expect(await store.has(digest)).toBe(false);
    expect(await store.completePut(digest, put.uploadId, bytes.length)).toEqual({
      size: bytes.length,
    });
    expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });
    // Completed once: the staged object is gone.
    await expectCairnError(store.completePut(digest, put.uploadId, bytes.length), "NOT_FOUND");
    const get = await store.presignGet(digest, { expiresIn: 300 });
    expect(get?.method).toBe("GET");
    const downloaded = await send(get!);
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(bytes)).toBe(true);
    // Nothing was uploaded to a fresh staging key, and a made-up id names none.
    const unused = await store.presignPut(digest, bytes.length, { expiresIn: 300 });
    await expectCairnError(store.completePut(digest, unused!.uploadId, bytes.length), "NOT_FOUND");
    await expectCairnError(store.completePut(digest, "../../x", bytes.length), "NOT_FOUND");
  });

  it("never lets wrong bytes sent to a presigned PUT pass as the blob", async () => {
    const { store } = current();
    const { bytes, digest } = randomBlob(1000);
    const put = await store.presignPut(digest, bytes.length, { expiresIn: 300 });
    if (put === null) return;
    const wrong = randomBlob(1000).bytes;
    const response = await send(put, wrong);
    // A bucket that enforces the signed checksum refuses; otherwise complete must.
    if (response.ok) {
      await expectCairnError(store.completePut(digest, put.uploadId, 1000), "DIGEST_MISMATCH");
      // The wrong staged bytes were deleted: completing again finds nothing.
      await expectCairnError(store.completePut(digest, put.uploadId, 1000), "NOT_FOUND");
    }
    expect(await store.has(digest)).toBe(false);
    // The right bytes, but another size than declared: refused too.
    const sized = await store.presignPut(digest, bytes.length, { expiresIn: 300 });
    expect((await send(sized!, bytes)).status).toBe(200);
    await expectCairnError(store.completePut(digest, sized!.uploadId, 999), "DIGEST_MISMATCH");
    expect(await store.has(digest)).toBe(false);
  });

  it("plans and completes a presigned upload of a stored blob like any other, never harming it", async () => {
    const { store } = current();
    const { bytes, digest } = randomBlob(30_000);
    const fresh = randomBlob(30_000);
    if ((await store.presignPut(digest, bytes.length, { expiresIn: 300 })) === null) return;
    await store.put(digest, bytes);
    // The same plan for a stored and a fresh digest: a staging key, no trace of the digest.
    const shape = (r: { url: string; method: string; headers: Record<string, string> }) => ({
      method: r.method,
      headers: Object.keys(r.headers).sort(),
      path: new URL(r.url).pathname.replace(/[0-9a-f-]{36}$/, "<id>"),
      query: [...new URL(r.url).searchParams.keys()].sort(),
    });
    const stored = await store.presignPut(digest, bytes.length, { expiresIn: 300 });
    const other = await store.presignPut(fresh.digest, fresh.bytes.length, { expiresIn: 300 });
    expect(shape(stored!)).toEqual(shape(other!));
    // Wrong bytes staged for the stored digest are refused; the stored blob is untouched.
    expect((await send(stored!, randomBlob(30_000).bytes)).status).toBe(200);
    await expectCairnError(store.completePut(digest, stored!.uploadId, 30_000), "DIGEST_MISMATCH");
    expect((await readAll(await store.get(digest))).equals(bytes)).toBe(true);
    // The right bytes complete as for a fresh blob.
    const again = await store.presignPut(digest, bytes.length, { expiresIn: 300 });
    expect((await send(again!, bytes)).status).toBe(200);
    expect(await store.completePut(digest, again!.uploadId, bytes.length)).toEqual({
      size: bytes.length,
    });
    // A re-PUT of other bytes to the used URL afterwards changes nothing that is stored.
    expect((await send(again!, randomBlob(30_000).bytes)).status).toBe(200);
    expect((await readAll(await store.get(digest))).equals(bytes)).toBe(true);
    expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });
  });

  it("aborts a staged PUT and sweeps staged uploads nobody completed", async () => {
    const { store } = current();
    const { bytes, digest } = randomBlob(2000);
    const aborted = await store.presignPut(digest, bytes.length, { expiresIn: 300 });
    if (aborted === null) return;
    expect((await send(aborted, bytes)).status).toBe(200);
    await store.abortMultipart(digest, aborted.uploadId);
    await store.abortMultipart(digest, aborted.uploadId); // idempotent
    await expectCairnError(store.completePut(digest, aborted.uploadId, 2000), "NOT_FOUND");
    const abandoned = await store.presignPut(digest, bytes.length, { expiresIn: 300 });
    expect((await send(abandoned!, bytes)).status).toBe(200);
    // Young staged uploads are kept, old ones removed.
    expect(await store.sweepTemporary?.(new Date(Date.now() - 3600_000))).toBe(0);
    expect(await store.sweepTemporary?.(new Date(Date.now() + 60_000))).toBe(1);
    await expectCairnError(store.completePut(digest, abandoned!.uploadId, 2000), "NOT_FOUND");
    expect(await store.has(digest)).toBe(false);
    const listed = [];
    for await (const info of store.list()) listed.push(info);
    expect(listed).toEqual([]);
  });

  it("round-trips a presigned multipart upload and refuses a wrong one", async () => {
    const { store } = current();
    const { bytes, digest } = randomBlob(11 * MiB + 123);
    const upload = await store.createMultipart(digest, bytes.length, 5 * MiB, { expiresIn: 300 });
    if (upload === null) return;
    expect(upload.parts.map((p) => p.size)).toEqual([5 * MiB, 5 * MiB, MiB + 123]);
    for (const part of upload.parts) expect(part.url).not.toContain(digest);
    const parts = await uploadParts(upload.parts, bytes);
    expect(await store.has(digest)).toBe(false);
    expect(await store.completeMultipart(digest, upload.uploadId, parts.reverse())).toEqual({
      size: bytes.length,
    });
    expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });
    // Completed once (S3 answers NoSuchUpload; s3rver an internal error).
    await expect(store.completeMultipart(digest, upload.uploadId, parts)).rejects.toThrow();

    const other = randomBlob(6 * MiB);
    const wrong = await store.createMultipart(other.digest, other.bytes.length, 5 * MiB);
    const wrongParts = await uploadParts(wrong!.parts, randomBlob(6 * MiB).bytes);
    await expectCairnError(
      store.completeMultipart(other.digest, wrong!.uploadId, wrongParts),
      "DIGEST_MISMATCH",
    );
    expect(await store.has(other.digest)).toBe(false);

    // A multipart upload of a blob that is already stored: verified, and the blob stays intact.
    const repeat = await store.createMultipart(digest, bytes.length, 5 * MiB);
    const wrongRepeat = Buffer.from(bytes);
    wrongRepeat[7] = (wrongRepeat[7]! + 1) % 256;
    await expectCairnError(
      store.completeMultipart(
        digest,
        repeat!.uploadId,
        await uploadParts(repeat!.parts, wrongRepeat),
      ),
      "DIGEST_MISMATCH",
    );
    expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });

    const aborted = await store.createMultipart(other.digest, other.bytes.length, 5 * MiB);
    await store.abortMultipart(other.digest, aborted!.uploadId);
    expect(await store.has(other.digest)).toBe(false);
    await expectCairnError(store.createMultipart(digest, bytes.length, 1024), "INVALID_INPUT");
    await expectCairnError(store.completeMultipart(digest, "no-dot", parts), "NOT_FOUND");
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
