import { createRequire } from "node:module";
import { Command, CommanderError, Option } from "commander";
import { registerAccountCommands } from "./commands/accounts.js";
import { registerAdminCommands } from "./commands/admin.js";
import { registerAuthCommands } from "./commands/auth.js";
import { registerEditCommands } from "./commands/edit.js";
import { registerHookCommands } from "./commands/hooks.js";
import { registerInspectCommands } from "./commands/inspect.js";
import { registerLineageCommands } from "./commands/lineage.js";
import { registerServerCommands } from "./commands/server.js";
import { registerSiteAdminCommands } from "./commands/site-admin.js";
import { registerTransferCommands } from "./commands/transfer.js";
import { completionScript } from "./completion.js";
import type { CliDeps, CliEnv } from "./context.js";
import { describeFailure, EXIT_CODES, EXIT_CODES_HELP } from "./errors.js";
import type { Streams } from "./output.js";

/** The CLI's version, shown by `cairn --version`: read from its own package.json. */
export const CLI_VERSION = (
  createRequire(import.meta.url)("../package.json") as { version: string }
).version;

/**
 * Builds the `cairn` program (commander). Every command is registered here; the program is
 * testable without spawning a process: pass streams and an environment.
 */
export function buildProgram(deps: CliDeps): Command {
  const program = new Command("cairn")
    .description("Cairn: log, fetch, inspect and manage versioned ML artifacts")
    .version(CLI_VERSION)
    .addOption(new Option("--json", "machine-readable JSON output on stdout"))
    .addOption(new Option("-q, --quiet", "only the essential result, no progress or notes"))
    .showHelpAfterError("(add --help for usage and an example)")
    .configureOutput({
      writeOut: (s) => deps.streams.stdout.write(s),
      writeErr: (s) => deps.streams.stderr.write(s),
    })
    .addHelpText(
      "after",
      `\nGetting started:\n  $ cairn login --base-url http://127.0.0.1:8787 --api-key cairn_…\n  $ cairn put ./data --name mnist --type dataset\n\n${EXIT_CODES_HELP}\n`,
    );
  registerServerCommands(program, deps);
  registerAuthCommands(program, deps);
  registerTransferCommands(program, deps);
  registerInspectCommands(program, deps);
  registerEditCommands(program, deps);
  registerLineageCommands(program, deps);
  registerAdminCommands(program, deps);
  registerAccountCommands(program, deps);
  registerHookCommands(program, deps);
  registerSiteAdminCommands(program, deps);
  program
    .command("completion")
    .description("print a shell completion script")
    .argument("<shell>", "bash or zsh")
    .addHelpText("after", '\nExample:\n  $ eval "$(cairn completion bash)"\n')
    .action((shell: string) => {
      if (shell !== "bash" && shell !== "zsh") {
        throw new CommanderError(
          EXIT_CODES.usage,
          "cairn.completion",
          `error: unknown shell ${JSON.stringify(shell)} — use bash or zsh`,
        );
      }
      deps.streams.stdout.write(completionScript(program, shell));
    });
  // Usage errors (unknown option, missing argument) exit with the usage code, not 1.
  const exitOverride = (cmd: Command): void => {
    cmd.exitOverride();
    for (const sub of cmd.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}

/**
 * Runs `cairn` with `argv` (without `node` and the script) and returns the exit code. Failures
 * print one line on stderr: `error: <what happened> — <what to do>`.
 */
export async function runCli(
  argv: string[],
  io: { streams: Streams; env: CliEnv },
): Promise<number> {
  const deps: CliDeps = { ...io, result: { exitCode: EXIT_CODES.ok } };
  const program = buildProgram(deps);
  try {
    await program.parseAsync(argv, { from: "user" });
    return deps.result.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version also end here, with code 0.
      if (error.exitCode === 0) return EXIT_CODES.ok;
      if (error.code === "cairn.completion") io.streams.stderr.write(`${error.message}\n`);
      return EXIT_CODES.usage;
    }
    const failure = describeFailure(error);
    io.streams.stderr.write(`${failure.line}\n`);
    if (io.env.CAIRN_DEBUG && error instanceof Error) io.streams.stderr.write(`${error.stack}\n`);
    return failure.exitCode;
  }
}
