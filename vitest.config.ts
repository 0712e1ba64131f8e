import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // tests/faults restarts engines and runs on its own (pnpm test:faults), after the main run.
    projects: ["packages/*", "apps/*", "tests/scale-out", "bench", "clients/python"],
    reporters: ["default", "./tooling/vitest/src/summary-reporter.ts"],
  },
});
