import { CairnError } from "@cairn/core";

/*
 * The pack format (docs/storage.md has the full description, enough to write a reader):
 *
 *   pack   = header(16) record*
 *   header = "CAIRNPAK" | version u8 = 1 | flags u8 (bit 0: payloads encrypted) | 6 zero bytes
 *   record = "CPRC" | payloadLength u32 BE | size u64 BE (plaintext) | digest (32 raw bytes) | payload
 *
 * The index stores the payload's offset and length; the record header repeats digest and sizes so
 * a pack can be scanned, checked and re-indexed without the database.
 */

/** Bytes of a pack's header. */
export const PACK_HEADER_SIZE = 16;
/** Bytes of each record's header, before its payload. */
export const RECORD_HEADER_SIZE = 48;
const PACK_MAGIC = Buffer.from("CAIRNPAK", "ascii");
const RECORD_MAGIC = Buffer.from("CPRC", "ascii");
/** Format version written in every pack header. */
export const PACK_VERSION = 1;
/** Flag bit: record payloads are AES-256-GCM encrypted (the directory store's file format). */
export const FLAG_ENCRYPTED = 1;

/** The 16-byte header every pack starts with. */
export function encodePackHeader(encrypted: boolean): Buffer {
  const header = Buffer.alloc(PACK_HEADER_SIZE);
  PACK_MAGIC.copy(header, 0);
  header.writeUInt8(PACK_VERSION, 8);
  header.writeUInt8(encrypted ? FLAG_ENCRYPTED : 0, 9);
  return header;
}

/** Parses a pack header; throws `UNAVAILABLE` for a foreign file or a newer version. */
export function decodePackHeader(header: Buffer, packId: string): { encrypted: boolean } {
  if (header.length < PACK_HEADER_SIZE || !header.subarray(0, 8).equals(PACK_MAGIC)) {
    throw new CairnError(
      "UNAVAILABLE",
      `Pack ${packId} does not start with a Cairn pack header: the file is damaged or foreign.`,
      { details: { packId } },
    );
  }
  const version = header.readUInt8(8);
  if (version !== PACK_VERSION) {
    throw new CairnError(
      "UNAVAILABLE",
      `Pack ${packId} is format version ${version}; this Cairn reads version ${PACK_VERSION}: upgrade Cairn.`,
      { details: { packId, version } },
    );
  }
  return { encrypted: (header.readUInt8(9) & FLAG_ENCRYPTED) !== 0 };
}

/** The 48-byte header of one record. */
export function encodeRecordHeader(digest: string, size: number, payloadLength: number): Buffer {
  const header = Buffer.alloc(RECORD_HEADER_SIZE);
  RECORD_MAGIC.copy(header, 0);
  header.writeUInt32BE(payloadLength, 4);
  header.writeBigUInt64BE(BigInt(size), 8);
  Buffer.from(digest, "hex").copy(header, 16);
  return header;
}

/** A record header as read back; `null` when the bytes are not one (a torn or foreign tail). */
export function decodeRecordHeader(
  header: Buffer,
): { digest: string; size: number; payloadLength: number } | null {
  if (header.length < RECORD_HEADER_SIZE || !header.subarray(0, 4).equals(RECORD_MAGIC)) {
    return null;
  }
  return {
    payloadLength: header.readUInt32BE(4),
    size: Number(header.readBigUInt64BE(8)),
    digest: header.subarray(16, 48).toString("hex"),
  };
}
