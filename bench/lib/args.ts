/** Command line of `pnpm bench`. */
export interface BenchArgs {
  /** Scenario names to run; empty = all. */
  only: string[];
  /** Smaller data sets and shorter runs (a smoke test of the suite, figures not comparable). */
  quick: boolean;
  /** Repetitions of every measurement (alternating Cairn and its comparison): 3, or 1 with --quick. */
  repetitions: number;
}

/**
 * Parses `--only a,b`, `--quick`, `--reps N` (also `--only=a,b`). A bare `--` (what
 * `pnpm bench -- …` passes through) is skipped. Unknown flags are refused with the list of known
 * ones, so a typo never silently runs the whole 15-minute suite.
 */
export function parseArgs(argv: readonly string[], known: readonly string[]): BenchArgs {
  const args: BenchArgs = { only: [], quick: false, repetitions: 0 };
  const items = argv.flatMap((a) =>
    a.startsWith("--") && a.includes("=") ? a.split("=", 2) : [a],
  );
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item === "--") continue;
    if (item === "--quick") args.quick = true;
    else if (item === "--only") {
      const value = items[++i];
      if (!value) throw new Error("--only needs a comma-separated list of scenarios");
      args.only = value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    } else if (item === "--reps") {
      const value = Number(items[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error("--reps needs a positive integer");
      args.repetitions = value;
    } else {
      throw new Error(
        `Unknown argument "${item}". Use --only ${known.join(",")}, --quick, --reps N.`,
      );
    }
  }
  // A smoke run stays under ~2 minutes with one repetition; figures then have no spread.
  if (args.repetitions === 0) args.repetitions = args.quick ? 1 : 3;
  const unknown = args.only.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(`Unknown scenario(s) ${unknown.join(", ")}; known: ${known.join(", ")}.`);
  }
  return args;
}
