/**
 * `pnpm bench [-- --only a,b] [--quick] [--reps N]`: runs the benchmark scenarios one after the
 * other (never in parallel: the machine has 2 cores), writes `results/<scenario>.json` and
 * regenerates `results/README.md`. Exits 1 when a scenario fails or a correctness check fails.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./lib/args.js";
import { renderTable, writeResultsReadme, writeScenarioResult } from "./lib/results.js";
import type { Scenario } from "./lib/scenario.js";
import { aliasResolution } from "./scenarios/alias-resolution.js";
import { commitManifest } from "./scenarios/commit-manifest.js";
import { log10k } from "./scenarios/log-10k.js";
import { million } from "./scenarios/million.js";
import { parallelUpsert } from "./scenarios/parallel-upsert.js";
import { waitingWriters } from "./scenarios/waiting-writers.js";

const SCENARIOS: Scenario[] = [
  log10k,
  commitManifest,
  aliasResolution,
  parallelUpsert,
  waitingWriters,
  million,
];
/**
 * Where results go: `results/` (committed), or the git-ignored `results/tmp/` for `--quick` smoke
 * runs, so they never overwrite the latest real figures. `BENCH_RESULTS_DIR` overrides both
 * (profiling runs).
 */
function resultsDir(quick: boolean): string {
  return (
    process.env.BENCH_RESULTS_DIR ??
    fileURLToPath(new URL(quick ? "./results/tmp" : "./results", import.meta.url))
  );
}

async function main(): Promise<number> {
  const names = SCENARIOS.map((s) => s.name);
  const args = parseArgs(process.argv.slice(2), names);
  const selected = SCENARIOS.filter((s) => args.only.length === 0 || args.only.includes(s.name));
  const RESULTS_DIR = resultsDir(args.quick);
  let failed = 0;
  const started = Date.now();
  for (const scenario of selected) {
    const workDir = await mkdtemp(join(tmpdir(), `cairn-bench-${scenario.name}-`));
    const log = (message: string) =>
      process.stderr.write(
        `[${scenario.name} +${((Date.now() - started) / 1000).toFixed(0)}s] ${message}\n`,
      );
    try {
      log(`starting (${args.quick ? "quick, " : ""}${args.repetitions} repetitions)`);
      const loadAtStart = loadavg()[0]!.toFixed(1);
      const result = await scenario.run({
        quick: args.quick,
        repetitions: args.repetitions,
        workDir,
        log,
      });
      // The machine is shared: record its load so a reader can tell a noisy run.
      const full = {
        scenario: scenario.name,
        title: scenario.title,
        finishedAt: new Date().toISOString(),
        ...result,
        params: {
          ...result.params,
          loadAvgAtStart: loadAtStart,
          loadAvgAtEnd: loadavg()[0]!.toFixed(1),
        },
      };
      await writeScenarioResult(RESULTS_DIR, full);
      process.stdout.write(`\n## ${scenario.name}\n\n${renderTable(full.rows).join("\n")}\n`);
      const bad = full.checks.filter((c) => !c.ok);
      for (const c of bad) process.stdout.write(`CHECK FAILED: ${c.label}: ${c.detail}\n`);
      if (bad.length > 0) failed++;
    } catch (error) {
      failed++;
      process.stderr.write(
        `[${scenario.name}] FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
  await writeResultsReadme(RESULTS_DIR, names);
  process.stdout.write(
    `\nresults: ${RESULTS_DIR}/README.md (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
  );
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
