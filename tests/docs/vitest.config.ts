import { cairnProject } from "@cairn/vitest-config";

// The examples run as child processes against a real server: minutes, not seconds, on 2 cores.
export default cairnProject("@cairn/docs-tests", {
  include: ["*.test.ts"],
  testTimeout: 240_000,
  hookTimeout: 120_000,
});
