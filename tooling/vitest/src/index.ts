import { defineProject, type TestProjectInlineConfiguration } from "vitest/config";

/**
 * Shared vitest settings for every package: sources are resolved through the `@cairn/source`
 * export condition (no build needed to test), tests sit beside the code as `*.test.ts`.
 */
export function cairnProject(
  name: string,
  overrides: TestProjectInlineConfiguration["test"] = {},
): ReturnType<typeof defineProject> {
  return defineProject({
    resolve: { conditions: ["@cairn/source"] },
    ssr: { resolve: { conditions: ["@cairn/source"] } },
    test: {
      name,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
