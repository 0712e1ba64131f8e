/**
 * How many trials a repeated fault scenario runs: `CAIRN_FAULT_TRIALS` when set (a positive
 * integer), else `fallback` — the count chosen to keep the suite within ~8 minutes on 2 cores.
 */
export function trialCount(fallback: number): number {
  const raw = process.env.CAIRN_FAULT_TRIALS;
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`CAIRN_FAULT_TRIALS must be a positive integer (got ${JSON.stringify(raw)}).`);
  }
  return n;
}

/**
 * Prints one `FAULTS: <scenario> key=value …` line. The README's Reliability section quotes these
 * lines, so every scenario prints exactly one, with its trials, losses and errors.
 */
export function reportFigure(
  scenario: string,
  figures: Record<string, string | number | boolean>,
): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${String(v)}`);
  // stdout of the test process: vitest echoes console output beside the test's name.
  console.log(`FAULTS: ${scenario} ${parts.join(" ")}`);
}
