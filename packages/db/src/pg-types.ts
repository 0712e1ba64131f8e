import pg from "pg";

/** PostgreSQL type oids whose parsing is aligned between `pg` and PGlite. */
const INT8_OID = 20;

/**
 * Parses a PostgreSQL `bigint` the way PGlite does: a `number` when it is a safe integer, a
 * `bigint` beyond 2^53 (exact, never rounded). `pg` returns every int8 (counts, sizes, identity
 * ids) as a string by default, which would make the same query return `"3"` on one engine and `3`
 * on the other. Sizes and counts never come near 2^53, so callers see numbers on both.
 */
export function parseInt8(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

/**
 * Per-pool type parsers for `pg` (passed as the `types` option, not installed globally with
 * `pg.types.setTypeParser`, so other `pg` users in the process keep their defaults).
 */
export const cairnPgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID && format !== "binary") return parseInt8;
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads cannot be forwarded with a union format.
    return pg.types.getTypeParser(oid, format as any);
  },
};

/**
 * Turns any numeric value a query can return (`number`, `bigint`, or the `string` of a `numeric`
 * such as `sum(size)` or of a `pg` default-parsed int8) into a `number`; null counts as 0.
 * Refuses magnitudes beyond 2^53 rather than silently rounding them.
 */
export function toSafeNumber(value: number | bigint | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  const number = Number(value);
  if (!Number.isFinite(number) || Math.abs(number) > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `Value ${String(value)} does not fit a JavaScript number without losing precision.`,
    );
  }
  return number;
}
