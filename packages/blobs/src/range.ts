import { CairnError } from "@cairn/core";
import type { ByteRange } from "./types.js";

/** An inclusive byte range resolved against a blob's size, or `null` for "no bytes at all". */
export type ResolvedRange = { start: number; end: number } | null;

/** Throws `INVALID_INPUT` for ranges that are malformed whatever the blob's size. */
export function assertRangeShape(range: ByteRange | undefined): void {
  const start = range?.start ?? 0;
  const end = range?.end;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new CairnError("INVALID_INPUT", `Range start must be a byte offset ≥ 0, got ${start}.`);
  }
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new CairnError(
      "INVALID_INPUT",
      `Range end must be a byte offset ≥ the start (${start}); ends are inclusive, got ${end}.`,
    );
  }
}

/**
 * Resolves an inclusive range against a blob of `size` bytes: `end` is clamped to the last byte
 * (as HTTP does). Throws `INVALID_INPUT` when the range starts past the end; reading an empty blob
 * from offset 0 yields no bytes.
 */
export function resolveRange(range: ByteRange | undefined, size: number): ResolvedRange {
  assertRangeShape(range);
  const start = range?.start ?? 0;
  if (size === 0 && start === 0) return null;
  if (start >= size) {
    throw new CairnError(
      "INVALID_INPUT",
      `Range start ${start} is past the end of the ${size}-byte blob; ask for offsets 0..${size - 1}.`,
      { details: { start, size } },
    );
  }
  const end = Math.min(range?.end ?? size - 1, size - 1);
  return { start, end };
}
