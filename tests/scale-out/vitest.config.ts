import { cairnProject } from "@cairn/vitest-config";

// Child processes take a few seconds to boot, and the kill scenario waits for retries.
export default cairnProject("@cairn/scale-out-tests", {
  include: ["*.test.ts"],
  testTimeout: 180_000,
  hookTimeout: 180_000,
});
