import { defineConfig } from "vitest/config";

/** The suite's own unit tests (statistics, arguments, tables, data sets): a project of the root `pnpm test`. */
export default defineConfig({
  // Vite's cache in the root node_modules, not a stray bench/node_modules.
  cacheDir: "../node_modules/.vite-bench",
  test: { name: "bench", root: import.meta.dirname, include: ["lib/**/*.test.ts"] },
});
