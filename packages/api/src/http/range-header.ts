/** An inclusive byte range resolved against a blob's size. */
export interface SatisfiableRange {
  start: number;
  end: number;
}

/**
 * Parses an HTTP `Range` header against a blob of `size` bytes (RFC 9110 §14.1.2):
 * `bytes=a-b`, `bytes=a-` and `bytes=-n` (the last n bytes), with `b` clamped to the last byte.
 *
 * Returns `undefined` when the whole blob should be sent (no header, another unit, several ranges
 * or a malformed header — a server may ignore any of those and answer 200), or `"unsatisfiable"`
 * when the range lies past the end (416).
 */
export function parseRangeHeader(
  header: string | undefined,
  size: number,
): SatisfiableRange | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    // Suffix range: the last `n` bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? Number.MAX_SAFE_INTEGER : Number(last);
  // An inverted range is invalid syntax (ignored → 200); a valid one starting past the end is 416.
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(end, size - 1) };
}
