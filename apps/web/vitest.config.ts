import { cairnProject } from "@cairn/vitest-config";

// The e2e suite builds the app, starts a real server and drives Chromium: give it room.
export default cairnProject("@cairn/web", {
  environment: "node",
  testTimeout: 120_000,
  hookTimeout: 600_000,
});
