import { formatReference, type QualifiedArtifactRef } from "@cairn/core";
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

/** `entity/project/name:selector`, the form every SDK call accepts unambiguously. */
export function fullRef(ref: QualifiedArtifactRef): string {
  return `${ref.entity}/${ref.project}/${formatReference({ name: ref.name, selector: ref.selector })}`;
}

/** Adds the "Example:" section every command's `--help` ends with. */
export function example(command: Command, ...lines: string[]): Command {
  return command.addHelpText("after", `\nExample:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`);
}
