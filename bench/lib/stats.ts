/** Median and spread of repeated measurements: what every result row reports. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Every sample, in the order measured (kept so a reader can see drift across repetitions). */
  samples: number[];
}

/** Summarises samples; an empty list is a bug in a scenario, so it throws. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error("summarize() needs at least one sample");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples: [...samples] };
}

/** `a / b` of the medians, or null when `b` is zero (a ratio would be meaningless). */
export function ratioOf(a: Summary, b: Summary): number | null {
  return b.median === 0 ? null : a.median / b.median;
}

/** The `p`-th percentile (0–100) of raw samples, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Wall time of `fn` in seconds, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, value };
}
