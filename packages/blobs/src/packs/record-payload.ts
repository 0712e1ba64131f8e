import { countRecords } from "../fs/fs-read.js";
import {
  encryptStream,
  HEADER_SIZE,
  type MasterKey,
  openFileCipher,
  openRecord,
  RECORD_SIZE,
  recordCount,
  TAG_SIZE,
} from "../fs/record-cipher.js";

/**
 * A record's payload: the plaintext, or — with an encryption key — the plaintext in the directory
 * store's encrypted file format (56-byte header, then AES-256-GCM records of 64 KiB), so each
 * packed blob has its own random file key and nonce prefix, exactly like a loose encrypted file.
 */
export async function sealPayload(master: MasterKey | undefined, plain: Buffer): Promise<Buffer> {
  if (!master) return plain;
  const parts: Buffer[] = [];
  for await (const part of encryptStream(
    master,
    (async function* () {
      yield plain;
    })(),
  )) {
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/** The plaintext of a payload; `DIGEST_MISMATCH` when an encrypted payload fails authentication. */
export function openPayload(
  master: MasterKey | undefined,
  payload: Buffer,
  digest: string,
): Buffer {
  if (!master) return payload;
  const file = openFileCipher(master, payload.subarray(0, HEADER_SIZE), digest);
  const count = recordCount(payload.length) ?? countRecords(payload.length, digest);
  const plain: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const start = HEADER_SIZE + index * (RECORD_SIZE + TAG_SIZE);
    const sealed = payload.subarray(
      start,
      Math.min(start + RECORD_SIZE + TAG_SIZE, payload.length),
    );
    plain.push(openRecord(file, index, index === count - 1, sealed, digest));
  }
  return Buffer.concat(plain);
}
