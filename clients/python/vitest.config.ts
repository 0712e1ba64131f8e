import { cairnProject } from "@cairn/vitest-config";

// The Python suite spawns interpreters (five parallel writers among them) and a venv install.
export default cairnProject("@cairn/python-client", {
  include: ["test/*.test.ts"],
  testTimeout: 300_000,
  hookTimeout: 120_000,
});
