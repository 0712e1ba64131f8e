import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { CairnError } from "@cairn/core";
import type { ResolvedRange } from "../range.js";
import {
  type FileCipher,
  HEADER_SIZE,
  type MasterKey,
  openFileCipher,
  openRecord,
  RECORD_SIZE,
  recordCount,
  TAG_SIZE,
} from "./record-cipher.js";

/** Reads exactly `length` bytes at `position` (fewer only at end of file). */
export async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

/** Parses the header of an encrypted blob file and checks it against the configured key. */
export async function openEncrypted(
  handle: FileHandle,
  master: MasterKey,
  digest: string,
): Promise<FileCipher> {
  return openFileCipher(master, await readAt(handle, 0, HEADER_SIZE), digest);
}

/** The record count of an encrypted file, or `DIGEST_MISMATCH` when its length is impossible. */
export function countRecords(fileSize: number, digest: string): number {
  const count = recordCount(fileSize);
  if (count === null) {
    throw new CairnError(
      "DIGEST_MISMATCH",
      `Encrypted blob ${digest} has an impossible length (${fileSize} bytes): it was truncated on disk. Delete it and upload the blob again.`,
      { details: { digest, fileSize } },
    );
  }
  return count;
}

/**
 * Decrypts the records covering `range` (inclusive) and yields just the requested bytes, so a
 * small range read of a huge blob touches one or two 64 KiB records. Closes `handle` when done.
 */
export async function* decryptRange(
  handle: FileHandle,
  file: FileCipher,
  fileSize: number,
  range: ResolvedRange,
  digest: string,
): AsyncGenerator<Buffer> {
  try {
    const count = countRecords(fileSize, digest);
    // Even an empty read authenticates the last record, so truncation is noticed by every reader.
    const first = range === null ? count - 1 : Math.floor(range.start / RECORD_SIZE);
    const last = range === null ? count - 1 : Math.floor(range.end / RECORD_SIZE);
    for (let index = first; index <= last; index++) {
      const sealed = await readAt(
        handle,
        HEADER_SIZE + index * (RECORD_SIZE + TAG_SIZE),
        RECORD_SIZE + TAG_SIZE,
      );
      const plain = openRecord(file, index, index === count - 1, sealed, digest);
      if (range === null) continue;
      const base = index * RECORD_SIZE;
      const from = Math.max(range.start - base, 0);
      const to = Math.min(range.end - base + 1, plain.length);
      if (to > from) yield plain.subarray(from, to);
    }
  } finally {
    await handle.close();
  }
}

/** A plaintext file's bytes in `range` as a stream that closes `handle` when done. */
export function plainRange(handle: FileHandle, range: ResolvedRange): Readable {
  if (range === null) {
    void handle.close();
    return Readable.from([]);
  }
  return handle.createReadStream({ start: range.start, end: range.end, autoClose: true });
}
