import { randomBytes } from "node:crypto";
import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BlobStore, createFsBlobStore } from "../index.js";
import {
  expectCairnError,
  randomBlob,
  readAll,
  runBlobStoreConformance,
  sha256Hex,
} from "../testing/index.js";

const HEADER_SIZE = 56;
const RECORD = 64 * 1024 + 16;

function blobFile(root: string, digest: string): string {
  return join(root, digest.slice(0, 2), digest.slice(2, 4), digest);
}

/** Flips one bit of the byte at `position` of a blob's file. */
async function flipByte(root: string, digest: string, position: number): Promise<void> {
  const handle = await open(blobFile(root, digest), "r+");
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, position);
    byte[0] = byte[0]! ^ 0x01;
    await handle.write(byte, 0, 1, position);
  } finally {
    await handle.close();
  }
}

runBlobStoreConformance("fs + AES-256-GCM", async () => {
  const root = await mkdtemp(join(tmpdir(), "cairn-blobs-enc-"));
  return {
    store: createFsBlobStore({ root, encryptionKey: randomBytes(32) }),
    corrupt: (digest) => flipByte(root, digest, HEADER_SIZE + 10),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe("fs encryption at rest", () => {
  let root: string;
  let key: Buffer;
  let store: BlobStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "cairn-blobs-enc-"));
    key = randomBytes(32);
    store = createFsBlobStore({ root, encryptionKey: key });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("writes ciphertext, not plaintext, with a record's overhead per 64 KiB", async () => {
    const bytes = Buffer.from("plaintext marker ".repeat(10_000));
    const digest = sha256Hex(bytes);
    await store.put(digest, bytes);
    const onDisk = await readFile(blobFile(root, digest));
    expect(onDisk.includes(Buffer.from("plaintext marker"))).toBe(false);
    expect(onDisk.subarray(0, 8).toString()).toBe("CAIRNENC");
    const records = Math.ceil(bytes.length / (64 * 1024));
    expect(onDisk.length).toBe(HEADER_SIZE + bytes.length + records * 16);
    // Storing content already stored writes and discards it: the stored file stays as it was.
    await store.put(digest, bytes);
    expect((await readFile(blobFile(root, digest))).equals(onDisk)).toBe(true);
    // Two encryptions of the same bytes differ (fresh per-file nonce), and both decrypt.
    await store.delete(digest);
    await store.put(digest, bytes);
    expect((await readFile(blobFile(root, digest))).equals(onDisk)).toBe(false);
    expect((await readAll(await store.get(digest))).equals(bytes)).toBe(true);
  });

  it("detects tampering with a record, the header, and truncation at a record boundary", async () => {
    const { bytes, digest } = randomBlob(3 * 64 * 1024 + 5);
    await store.put(digest, bytes);
    const pristine = await readFile(blobFile(root, digest));

    await flipByte(root, digest, HEADER_SIZE + RECORD + 7); // inside record 1
    expect(
      (await readAll(await store.get(digest, { start: 0, end: 100 }))).equals(
        bytes.subarray(0, 101),
      ),
    ).toBe(true);
    await expectCairnError(
      readAll(await store.get(digest, { start: 70_000, end: 70_010 })),
      "DIGEST_MISMATCH",
    );
    expect(await store.verify(digest)).toEqual({ ok: false });

    await writeFile(blobFile(root, digest), pristine);
    await flipByte(root, digest, 30); // file nonce in the header: every record's AAD changes
    await expectCairnError(readAll(await store.get(digest)), "DIGEST_MISMATCH");

    await writeFile(blobFile(root, digest), pristine);
    await truncate(blobFile(root, digest), HEADER_SIZE + 3 * RECORD); // drop the final record
    expect((await stat(blobFile(root, digest))).size).toBe(HEADER_SIZE + 3 * RECORD);
    expect(await store.verify(digest)).toEqual({ ok: false });

    await writeFile(blobFile(root, digest), pristine);
    expect(await store.verify(digest)).toEqual({ ok: true, actual: digest });
  });

  it("fails clearly when read with a different key, or when the key is malformed", async () => {
    const { bytes, digest } = randomBlob(1000);
    await store.put(digest, bytes);
    const other = createFsBlobStore({ root, encryptionKey: randomBytes(32).toString("hex") });
    const error = await expectCairnError(other.get(digest), "UNAVAILABLE");
    expect(error.message).toMatch(/different key/);
    await expectCairnError(other.verify(digest), "UNAVAILABLE");
    const base64Key = createFsBlobStore({ root, encryptionKey: key.toString("base64") });
    expect((await readAll(await base64Key.get(digest))).equals(bytes)).toBe(true);
    expect(() => createFsBlobStore({ root, encryptionKey: randomBytes(16) })).toThrow(
      /exactly 32 bytes/,
    );
  });

  it("keeps multipart parts encrypted in tmp/ and refuses a tampered part on completion", async () => {
    const MiB = 1024 * 1024;
    const bytes = Buffer.alloc(6 * MiB, "plaintext marker ");
    const digest = sha256Hex(bytes);
    const upload = await store.createUnsignedMultipart(digest, bytes.length, 5 * MiB);
    const parts = [
      {
        partNumber: 1,
        ...(await store.putPart(digest, upload!.uploadId, 1, bytes.subarray(0, 5 * MiB), 5 * MiB)),
      },
      {
        partNumber: 2,
        ...(await store.putPart(digest, upload!.uploadId, 2, bytes.subarray(5 * MiB), MiB)),
      },
    ];
    const dir = join(root, "tmp", "multipart", upload!.uploadId.split(".")[0]!);
    const partFile = join(dir, `1.${parts[0]!.etag.slice(1, -1)}.part`);
    const onDisk = await readFile(partFile);
    expect(onDisk.includes(Buffer.from("plaintext marker"))).toBe(false);
    expect(onDisk.subarray(0, 8).toString()).toBe("CAIRNENC");

    const handle = await open(partFile, "r+");
    await handle.write(Buffer.from([onDisk[HEADER_SIZE + 5]! ^ 1]), 0, 1, HEADER_SIZE + 5);
    await handle.close();
    await expectCairnError(
      store.completeMultipart(digest, upload!.uploadId, parts),
      "DIGEST_MISMATCH",
    );
    expect(await store.has(digest)).toBe(false);

    const again = await store.createUnsignedMultipart(digest, bytes.length, 5 * MiB);
    const good = [
      {
        partNumber: 1,
        ...(await store.putPart(digest, again!.uploadId, 1, bytes.subarray(0, 5 * MiB), 5 * MiB)),
      },
      {
        partNumber: 2,
        ...(await store.putPart(digest, again!.uploadId, 2, bytes.subarray(5 * MiB), MiB)),
      },
    ];
    expect(await store.completeMultipart(digest, again!.uploadId, good)).toEqual({
      size: bytes.length,
    });
    expect((await readAll(await store.get(digest))).equals(bytes)).toBe(true);
  });

  it("refuses to serve a plaintext file as if it were encrypted", async () => {
    const { bytes, digest } = randomBlob(500);
    await createFsBlobStore({ root }).put(digest, bytes);
    await expectCairnError(store.get(digest), "DIGEST_MISMATCH");
    expect(await store.verify(digest)).toEqual({ ok: false });
  });
});
