import { cairnProject } from "@cairn/vitest-config";

// Each file starts real servers (PGlite boots in 2–3 s; the property test runs two side by side).
export default cairnProject("@cairn/security-tests", {
  include: ["*.test.ts"],
  testTimeout: 120_000,
  hookTimeout: 120_000,
});
