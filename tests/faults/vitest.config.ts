import { cairnProject } from "@cairn/vitest-config";

/**
 * The fault suite kills processes and cuts connections for minutes, so the root config does not
 * list it: it runs on its own with `pnpm test:faults` (`vitest run --root tests/faults`).
 */
export default cairnProject("@cairn/faults", {
  include: ["*.test.ts"],
  testTimeout: 300_000,
  hookTimeout: 300_000,
  // Files restart engines and kill processes: one at a time keeps the 2-core machine honest.
  fileParallelism: false,
});
