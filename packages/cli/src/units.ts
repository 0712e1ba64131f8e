import { CairnError } from "@cairn/core";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;
const FACTORS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** `1536` → `1.5 KiB` (binary units, like `du -h`). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "-";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Parses `500MB`, `2GiB`, `1g`, `1024` into bytes. INVALID_INPUT naming the accepted forms. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const factor = match ? FACTORS[(match[2] || "b").toLowerCase()] : undefined;
  if (!match || factor === undefined) {
    throw new CairnError(
      "INVALID_INPUT",
      `Invalid size ${JSON.stringify(text)}: write a number with an optional unit, e.g. 500MB, 2GiB, 1g or 1048576.`,
    );
  }
  return Math.floor(Number(match[1]) * factor);
}

/** Seconds → `1m05s`, for ETAs. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** ISO timestamp → `2026-11-23 14:05` (local-time-free: UTC, so output is stable in CI). */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "-";
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
