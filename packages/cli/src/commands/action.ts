import type { Command } from "commander";
import { type CliContext, type CliDeps, createContext } from "../context.js";

/** The exit code a command asks for when it did not fail with an error (e.g. verify found problems). */
export type ActionResult = number | undefined;

/**
 * Wraps a command body: builds its {@link CliContext} from the global flags, runs it, and always
 * closes the clients it opened. Errors propagate to `runCli`, which prints the one-line message.
 */
export function action<A extends unknown[]>(
  deps: CliDeps,
  body: (ctx: CliContext, ...args: A) => Promise<ActionResult | undefined>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    // commander passes (...positionals, options, command).
    const command = args[args.length - 1] as Command;
    const ctx = createContext(deps, command);
    try {
      const code = await body(ctx, ...(args.slice(0, -1) as A));
      if (code !== undefined) deps.result.exitCode = code;
    } finally {
      await ctx.close();
    }
  };
}

/** Adds the "Example:" section every command's `--help` ends with. */
export function example(command: Command, ...lines: string[]): Command {
  return command.addHelpText("after", `\nExample:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`);
}

/** One `cairn <group> <name>` command: its help text, arguments, options, examples and body. */
export interface SubcommandSpec<A extends unknown[]> {
  description: string;
  /** Positionals in order, e.g. `["<name>", "user name"]`. */
  arguments?: ReadonlyArray<readonly [flags: string, description: string]>;
  /** Options, e.g. `["--limit <n>", "most runs to list", "100"]` (the third item a default). */
  options?: ReadonlyArray<
    readonly [flags: string, description: string] | readonly [string, string, string]
  >;
  /** The "Example:" lines of `--help`. */
  examples: readonly [string, ...string[]];
  /** The command's body (see {@link action}); returning no exit code means 0. */
  run: (ctx: CliContext, ...args: A) => Promise<ActionResult> | Promise<void>;
}

/** Registers `name` under `group` from its {@link SubcommandSpec}; every group command is built so. */
export function subcommand<A extends unknown[]>(
  group: Command,
  deps: CliDeps,
  name: string,
  spec: SubcommandSpec<A>,
): Command {
  const command = group.command(name).description(spec.description);
  for (const [flags, description] of spec.arguments ?? []) command.argument(flags, description);
  for (const [flags, description, fallback] of spec.options ?? []) {
    command.option(flags, description, fallback);
  }
  command.action(action(deps, async (ctx, ...args: A) => (await spec.run(ctx, ...args)) ?? 0));
  return example(command, ...spec.examples);
}
