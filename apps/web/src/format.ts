const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** Bytes in binary units with three significant digits: `1.50 KiB`; null (unknown) as `—`. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toPrecision(3)} ${UNITS[unit]}`;
}

/** An ISO timestamp as local date and time, stable enough for tables. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A digest shortened for display (the full value goes in a `title`). */
export function shortDigest(digest: string, length = 12): string {
  return digest.length > length ? `${digest.slice(0, length)}…` : digest;
}

/** Splits a comma/space separated list typed by a user into trimmed, distinct, non-empty items. */
export function parseList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((s) => s.length > 0))];
}

/**
 * A metric or count for people: integers with digit grouping, fractions to six significant digits
 * (float noise such as `0.45999999999999996` reads `0.46`).
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return String(Number(value.toPrecision(6)));
}

/** A duration in milliseconds as `1h 02m`, `3m 07s`, `4.2s` or `350ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** JSON for display: two-space indented, fractional numbers without float noise. */
export function formatJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v)
        ? Number(v.toPrecision(12))
        : v,
    2,
  );
}
