import { describe, expect, it } from "vitest";
import { parseArgs } from "./args.js";

const known = ["log-10k", "commit-manifest"];

describe("parseArgs", () => {
  it("defaults to every scenario, full size, 3 repetitions", () => {
    expect(parseArgs([], known)).toEqual({ only: [], quick: false, repetitions: 3 });
  });
  it("reads --only lists (both spellings), --quick, --reps and skips pnpm's --", () => {
    expect(
      parseArgs(["--", "--only", "log-10k,commit-manifest", "--quick", "--reps", "2"], known),
    ).toEqual({
      only: ["log-10k", "commit-manifest"],
      quick: true,
      repetitions: 2,
    });
    expect(parseArgs(["--only=log-10k"], known).only).toEqual(["log-10k"]);
    expect(parseArgs(["--quick"], known).repetitions).toBe(1);
  });
  it("refuses unknown scenarios and flags, naming what is allowed", () => {
    expect(() => parseArgs(["--only", "nope"], known)).toThrow(/known: log-10k, commit-manifest/);
    expect(() => parseArgs(["--fast"], known)).toThrow(/Use --only/);
    expect(() => parseArgs(["--reps", "0"], known)).toThrow(/positive integer/);
  });
});
