import type { ScenarioResult } from "./results.js";

/** What a scenario gets from the dispatcher. */
export interface ScenarioContext {
  quick: boolean;
  repetitions: number;
  /** A temp directory of its own, removed after the scenario. */
  workDir: string;
  /** Progress on stderr, prefixed with the scenario name. */
  log(message: string): void;
}

/** One benchmark: measures Cairn and its comparison, alternating, `repetitions` times. */
export interface Scenario {
  name: string;
  title: string;
  run(ctx: ScenarioContext): Promise<Omit<ScenarioResult, "scenario" | "title" | "finishedAt">>;
}
