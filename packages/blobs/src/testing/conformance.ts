import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BlobStore } from "../types.js";
import type { ConformanceSubject } from "./conformance-subject.js";
import { runTransferConformance } from "./conformance-transfer.js";
import { expectCairnError, randomBlob, readAll, sha256Hex } from "./helpers.js";

export type { ConformanceSubject } from "./conformance-subject.js";

/** A fresh, empty store for each test. */
export type MakeConformanceSubject = () => Promise<ConformanceSubject>;

const MiB = 1024 * 1024;

/**
 * The same pseudo-random stream each time it is generated from `base`, in 1 MiB chunks, without
 * holding it all: chunk i is `base` with i stamped in front, so no two chunks are equal.
 */
function* generatedChunks(total: number, base: Buffer): Generator<Buffer> {
  for (let done = 0, index = 0; done < total; done += MiB, index++) {
    const chunk = Buffer.from(base.subarray(0, Math.min(MiB, total - done)));
    chunk.writeUInt32BE(index, 0);
    yield chunk;
  }
}

/**
 * The one behaviour suite every {@link BlobStore} passes (fs, encrypted fs, S3…). Call it inside a
 * test file; `makeStore` must return an empty store each time.
 */
export function runBlobStoreConformance(name: string, makeStore: MakeConformanceSubject): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let subject: ConformanceSubject;
    let store: BlobStore;
    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup?.();
    });

    it("round-trips put / has / stat / get and reports missing blobs", async () => {
      const { bytes, digest } = randomBlob(1000);
      const other = randomBlob(10).digest;
      expect(await store.has(digest)).toBe(false);
      expect(await store.stat(digest)).toBeNull();
      expect(await store.put(digest, bytes)).toEqual({ size: 1000 });
      expect(await store.has(digest)).toBe(true);
      expect(await store.stat(digest)).toEqual({ size: 1000 });
      expect((await readAll(await store.get(digest))).equals(bytes)).toBe(true);
      expect(await store.has(other)).toBe(false);
      await expectCairnError(store.get(other), "NOT_FOUND");
      await expectCairnError(store.has("../../etc/passwd"), "INVALID_DIGEST");
      await expectCairnError(store.put(digest.toUpperCase(), bytes), "INVALID_DIGEST");
    });

    it("serves inclusive byte ranges, across record boundaries too", async () => {
      const { bytes, digest } = randomBlob(200_000);
      await store.put(digest, bytes);
      const cases: Array<[number | undefined, number | undefined]> = [
        [0, 0],
        [100, 70_000],
        [65_530, 65_545],
        [131_072, 131_072],
        [150_000, undefined],
        [undefined, 99],
        [199_990, 500_000],
      ];
      for (const [start, end] of cases) {
        const range = {
          ...(start === undefined ? {} : { start }),
          ...(end === undefined ? {} : { end }),
        };
        const got = await readAll(await store.get(digest, range));
        const expected = bytes.subarray(
          start ?? 0,
          Math.min((end ?? bytes.length - 1) + 1, bytes.length),
        );
        expect(got.equals(expected), `range ${start}-${end}`).toBe(true);
      }
      await expectCairnError(store.get(digest, { start: 200_000 }), "INVALID_INPUT");
      await expectCairnError(store.get(digest, { start: 10, end: 5 }), "INVALID_INPUT");
    });

    it("accepts re-puts of the same bytes from any body type", async () => {
      const { bytes, digest } = randomBlob(5000);
      await store.put(digest, bytes);
      async function* pieces() {
        yield bytes.subarray(0, 1);
        yield bytes.subarray(1, 4000);
        yield bytes.subarray(4000);
      }
      expect(await store.put(digest, pieces(), { size: 5000 })).toEqual({ size: 5000 });
      expect(await store.put(digest, Readable.from([bytes]))).toEqual({ size: 5000 });
      expect((await readAll(await store.get(digest))).equals(bytes)).toBe(true);
      const listed = [];
      for await (const info of store.list()) listed.push(info.digest);
      expect(listed).toEqual([digest]);
    });

    it("refuses bytes that do not match the digest and leaves nothing addressable", async () => {
      const { bytes, digest } = randomBlob(3000);
      const wrong = Buffer.from(bytes);
      wrong[1500] = (wrong[1500]! + 1) % 256;
      const error = await expectCairnError(store.put(digest, wrong), "DIGEST_MISMATCH");
      expect(error.message).toContain(sha256Hex(wrong));
      expect(await store.has(digest)).toBe(false);
      await expectCairnError(store.get(digest), "NOT_FOUND");
      await expectCairnError(store.put(digest, bytes, { size: 2999 }), "DIGEST_MISMATCH");
      await expectCairnError(store.put(digest, bytes, { size: 3001 }), "DIGEST_MISMATCH");
      expect(await store.has(digest)).toBe(false);
      const listed = [];
      for await (const info of store.list()) listed.push(info);
      expect(listed).toEqual([]);
      // A wrong re-put must not damage a blob that is already stored.
      await store.put(digest, bytes);
      await expectCairnError(store.put(digest, wrong), "DIGEST_MISMATCH");
      expect((await readAll(await store.get(digest))).equals(bytes)).toBe(true);
    });

    it("deletes, and deleting a missing blob is not an error", async () => {
      const { bytes, digest } = randomBlob(100);
      await store.put(digest, bytes);
      await store.delete(digest);
      expect(await store.has(digest)).toBe(false);
      await expectCairnError(store.get(digest), "NOT_FOUND");
      await expect(store.delete(digest)).resolves.toBeUndefined();
    });

    it("lists every stored blob with its size and modification time", async () => {
      const before = Date.now() - 60_000;
      const blobs = [randomBlob(1), randomBlob(70_000), randomBlob(0)];
      for (const blob of blobs) await store.put(blob.digest, blob.bytes);
      const listed = [];
      for await (const info of store.list()) listed.push(info);
      const byDigest = (a: { digest: string }, b: { digest: string }) =>
        a.digest.localeCompare(b.digest);
      expect(listed.map(({ digest, size }) => ({ digest, size })).sort(byDigest)).toEqual(
        blobs.map((b) => ({ digest: b.digest, size: b.bytes.length })).sort(byDigest),
      );
      for (const info of listed) {
        expect(info.modifiedAt).toBeInstanceOf(Date);
        expect(info.modifiedAt.getTime()).toBeGreaterThan(before);
      }
    });

    it("verify recomputes the digest and detects corruption", async () => {
      const { bytes, digest } = randomBlob(100_000);
      await store.put(digest, bytes);
      expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });
      await subject.corrupt(digest);
      const result = await store.verify(digest);
      expect(result.ok).toBe(false);
      expect(result.actual).not.toBe(digest);
      await expectCairnError(store.verify(randomBlob(5).digest), "NOT_FOUND");
    });

    it("stores the empty blob", async () => {
      const { bytes, digest } = randomBlob(0);
      expect(await store.put(digest, bytes)).toEqual({ size: 0 });
      expect(await store.stat(digest)).toEqual({ size: 0 });
      expect((await readAll(await store.get(digest))).length).toBe(0);
      expect((await readAll(await store.get(digest, { start: 0 }))).length).toBe(0);
      expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });
    });

    it("streams a 20 MiB blob in and out", async () => {
      const size = 20 * MiB;
      const base = randomBytes(MiB);
      const hash = createHash("sha256");
      for (const chunk of generatedChunks(size, base)) hash.update(chunk);
      const digest = hash.digest("hex");
      expect(await store.put(digest, Readable.from(generatedChunks(size, base)))).toEqual({ size });
      expect(await store.stat(digest)).toEqual({ size });
      const readBack = createHash("sha256");
      let length = 0;
      for await (const chunk of await store.get(digest)) {
        readBack.update(chunk as Buffer);
        length += (chunk as Buffer).length;
      }
      expect(length).toBe(size);
      expect(readBack.digest("hex")).toBe(digest);
    }, 120_000);

    it("takes concurrent puts of the same digest", async () => {
      const { bytes, digest } = randomBlob(300_000);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.put(digest, i % 2 ? bytes : Readable.from([bytes])),
        ),
      );
      expect(results).toEqual(Array.from({ length: 6 }, () => ({ size: 300_000 })));
      expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });
      const listed = [];
      for await (const info of store.list()) listed.push(info.digest);
      expect(listed).toEqual([digest]);
    });

    runTransferConformance(() => subject);
  });
}
