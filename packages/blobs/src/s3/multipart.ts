import { CairnError } from "@cairn/core";
import { assertByteCount } from "../body.js";

/** S3's smallest allowed part (all but the last), 5 MiB. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3's largest allowed part, 5 GiB. */
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;
/** S3's most parts in one upload. */
export const MAX_PARTS = 10_000;

/** Splits `size` bytes into parts of `partSize` (the last one shorter), within S3's limits. */
export function planParts(
  size: number,
  partSize: number,
): Array<{ partNumber: number; size: number }> {
  assertByteCount(size, "The blob size");
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
    throw new CairnError(
      "INVALID_INPUT",
      `Multipart part size must be between ${MIN_PART_SIZE} (5 MiB) and ${MAX_PART_SIZE} (5 GiB) bytes, got ${partSize}.`,
    );
  }
  const count = Math.max(1, Math.ceil(size / partSize));
  if (count > MAX_PARTS) {
    throw new CairnError(
      "PAYLOAD_TOO_LARGE",
      `A ${size}-byte blob in ${partSize}-byte parts needs ${count} parts; S3 allows at most ${MAX_PARTS}. Use parts of at least ${Math.ceil(size / MAX_PARTS)} bytes.`,
      { details: { size, partSize, count } },
    );
  }
  return Array.from({ length: count }, (_, i) => ({
    partNumber: i + 1,
    size: Math.min(partSize, size - i * partSize),
  }));
}
