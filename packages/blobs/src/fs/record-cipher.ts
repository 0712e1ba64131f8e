import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { CairnError } from "@cairn/core";

/*
 * Encryption at rest for the directory store: AES-256-GCM over fixed-size records (the format is
 * documented in the package README). Records let a range read decrypt only the records it needs;
 * the STREAM-style "final record" flag in each nonce makes truncation at a record boundary
 * detectable; the header is the additional authenticated data of every record.
 */

/** Plaintext bytes per record (64 KiB): small enough for cheap range reads, big enough that the 16-byte tag is 0.02 %. */
export const RECORD_SIZE = 64 * 1024;
/** Bytes of the GCM authentication tag appended to each record. */
export const TAG_SIZE = 16;
/** magic(8) | version(1) | reserved(3) | recordSize u32 BE(4) | keyId(8) | fileNonce(32). */
export const HEADER_SIZE = 56;
const MAGIC = Buffer.from("CAIRNENC", "ascii");
const VERSION = 1;
const FILE_NONCE_SIZE = 32;
const NONCE_PREFIX_SIZE = 7;
const HKDF_INFO = Buffer.from("cairn blob record v1", "ascii");

/** A validated master key and its public 8-byte identifier (lets a wrong key be reported clearly). */
export interface MasterKey {
  key: Buffer;
  keyId: Buffer;
}

/** Per-file material: derived key, nonce prefix and the header bytes they are bound to. */
export interface FileCipher {
  header: Buffer;
  fileKey: Buffer;
  noncePrefix: Buffer;
}

/** Validates a 32-byte AES-256 key (raw bytes, or 64 hex / 44 base64 characters). */
export function prepareMasterKey(input: Uint8Array | string): MasterKey {
  let key: Buffer;
  if (typeof input === "string") {
    key = /^[0-9a-fA-F]{64}$/.test(input)
      ? Buffer.from(input, "hex")
      : Buffer.from(input, "base64");
  } else {
    key = Buffer.from(input);
  }
  if (key.length !== 32) {
    throw new CairnError(
      "INVALID_INPUT",
      `The blob encryption key must be exactly 32 bytes (AES-256): raw bytes, 64 hex characters or base64; got ${key.length} bytes. Generate one with \`openssl rand -hex 32\`.`,
    );
  }
  // An HMAC of a fixed label identifies the key without revealing anything usable about it.
  const keyId = createHmac("sha256", key).update("cairn blob key id").digest().subarray(0, 8);
  return { key, keyId };
}

function deriveFile(master: MasterKey, header: Buffer): FileCipher {
  const fileNonce = header.subarray(HEADER_SIZE - FILE_NONCE_SIZE);
  // A fresh key per file means record nonces never repeat across files under one master key.
  const okm = Buffer.from(
    hkdfSync("sha256", master.key, fileNonce, HKDF_INFO, 32 + NONCE_PREFIX_SIZE),
  );
  return { header, fileKey: okm.subarray(0, 32), noncePrefix: okm.subarray(32) };
}

/** Creates the header and keys of a new encrypted file. */
export function newFileCipher(master: MasterKey): FileCipher {
  const header = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(header, 0);
  header.writeUInt8(VERSION, 8);
  header.writeUInt32BE(RECORD_SIZE, 12);
  master.keyId.copy(header, 16);
  randomBytes(FILE_NONCE_SIZE).copy(header, 24);
  return deriveFile(master, header);
}

/**
 * Parses a stored header. Throws `DIGEST_MISMATCH` when the file is not in this format (corrupt,
 * or written unencrypted), `UNAVAILABLE` when it was written with another key or format version.
 */
export function openFileCipher(master: MasterKey, header: Buffer, digest: string): FileCipher {
  if (header.length < HEADER_SIZE || !header.subarray(0, 8).equals(MAGIC)) {
    throw new CairnError(
      "DIGEST_MISMATCH",
      `Blob ${digest} is not in Cairn's encrypted format (bad header): it is corrupt or was stored before encryption was enabled. Re-upload it or migrate the store.`,
      { details: { digest } },
    );
  }
  const version = header.readUInt8(8);
  if (version !== VERSION || header.readUInt32BE(12) !== RECORD_SIZE) {
    throw new CairnError(
      "UNAVAILABLE",
      `Blob ${digest} uses encrypted format version ${version}, which this Cairn does not read (it reads version ${VERSION}); upgrade Cairn.`,
      { details: { digest, version } },
    );
  }
  const keyId = header.subarray(16, 24);
  if (!keyId.equals(master.keyId)) {
    throw new CairnError(
      "UNAVAILABLE",
      `Blob ${digest} was encrypted with a different key (key id ${keyId.toString("hex")}, configured key id ${master.keyId.toString("hex")}); configure the encryption key the store was written with.`,
      { details: { digest, keyId: keyId.toString("hex") } },
    );
  }
  return deriveFile(master, Buffer.from(header.subarray(0, HEADER_SIZE)));
}

function nonceFor(file: FileCipher, index: number, final: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  file.noncePrefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, NONCE_PREFIX_SIZE);
  nonce.writeUInt8(final ? 1 : 0, 11);
  return nonce;
}

/** Seals record `index` (ciphertext followed by its tag). */
export function sealRecord(
  file: FileCipher,
  index: number,
  final: boolean,
  plain: Uint8Array,
): Buffer {
  const cipher = createCipheriv("aes-256-gcm", file.fileKey, nonceFor(file, index, final));
  cipher.setAAD(file.header);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** Opens record `index`; throws `DIGEST_MISMATCH` when it was altered, moved or truncated. */
export function openRecord(
  file: FileCipher,
  index: number,
  final: boolean,
  sealed: Buffer,
  digest: string,
): Buffer {
  const fail = (cause?: unknown) =>
    new CairnError(
      "DIGEST_MISMATCH",
      `Encrypted blob ${digest} failed authentication at record ${index}: the file was modified or truncated on disk. Delete it and upload the blob again.`,
      { cause, details: { digest, record: index } },
    );
  if (sealed.length < TAG_SIZE) throw fail();
  try {
    const decipher = createDecipheriv("aes-256-gcm", file.fileKey, nonceFor(file, index, final));
    decipher.setAAD(file.header);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG_SIZE)),
      decipher.final(),
    ]);
  } catch (error) {
    throw fail(error);
  }
}

/** Number of records in an encrypted file of `fileSize` bytes, or `null` when the size is impossible. */
export function recordCount(fileSize: number): number | null {
  const body = fileSize - HEADER_SIZE;
  if (body < TAG_SIZE) return null;
  const count = Math.ceil(body / (RECORD_SIZE + TAG_SIZE));
  const last = body - (count - 1) * (RECORD_SIZE + TAG_SIZE);
  return last < TAG_SIZE ? null : count;
}

/** Plaintext size of an encrypted file of `fileSize` bytes, or `null` when the size is impossible. */
export function plaintextSize(fileSize: number): number | null {
  const count = recordCount(fileSize);
  return count === null ? null : fileSize - HEADER_SIZE - count * TAG_SIZE;
}

/**
 * Encrypts a plaintext stream: yields the header, then sealed records. A full record is held back
 * until more bytes arrive, because only then is it known not to be the final one.
 */
export async function* encryptStream(
  master: MasterKey,
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Buffer> {
  const file = newFileCipher(master);
  yield file.header;
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  for await (const chunk of source) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    while (pending.length > RECORD_SIZE) {
      yield sealRecord(file, index++, false, pending.subarray(0, RECORD_SIZE));
      pending = pending.subarray(RECORD_SIZE);
    }
  }
  // An empty blob still gets one (empty, final) record, so even its header is authenticated.
  yield sealRecord(file, index, true, pending);
}
