/**
 * `@cairn/cli` — the `cairn` command line, built on `@cairn/client`. The bin is `dist/bin.js`;
 * this entry exposes the program for embedding and tests.
 */
export type { CliContext, CliDeps, CliEnv } from "./context.js";
export { describeFailure, EXIT_CODES, EXIT_CODES_HELP, type ExitCode, familyOf } from "./errors.js";
export { createOutput, formatTable, type Output, type Streams } from "./output.js";
export { buildProgram, CLI_VERSION, runCli } from "./program.js";
export { createProgressReporter, type ProgressReporter, progressLine } from "./progress.js";
export { formatBytes, formatDuration, parseSize } from "./units.js";
