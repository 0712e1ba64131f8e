import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints one closing line `Tests: N passed, N failed, N skipped` that CI parses, and lists loudly
 * every suite skipped because a service (PostgreSQL, Redis) was unreachable, with how to enable it.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedSuites = new Set<string>();
    for (const mod of testModules) {
      if (mod.state() === "failed" && [...mod.children.allTests()].length === 0) failed += 1;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed += 1;
        else if (state === "failed") failed += 1;
        else skipped += 1;
      }
      for (const suite of mod.children.allSuites()) {
        if (suite.name.includes("[skipped: needs")) skippedSuites.add(suite.name);
      }
    }
    const out = process.stdout;
    if (skippedSuites.size > 0) {
      out.write("\n!!! SKIPPED because a service was unreachable (set the URL or start it):\n");
      for (const name of skippedSuites) out.write(`!!!   ${name}\n`);
    }
    out.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
