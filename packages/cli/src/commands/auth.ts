import { createInterface } from "node:readline/promises";
import { Cairn } from "@cairn/client";
import { configFilePath, saveConfig, toCairnError } from "@cairn/client/internal";
import { CairnError } from "@cairn/core";
import type { Command } from "commander";
import type { CliDeps } from "../context.js";
import { action, example } from "./action.js";

interface LoginOptions {
  baseUrl?: string;
  apiKey?: string;
  entity?: string;
  project?: string;
}

/** `cairn login` and `cairn whoami`. */
export function registerAuthCommands(program: Command, deps: CliDeps): void {
  example(
    program
      .command("login")
      .description(
        "check an API key against the server and store it in the config file (mode 0600); CAIRN_API_KEY, CAIRN_BASE_URL, CAIRN_ENTITY and CAIRN_PROJECT override it",
      )
      .option("--base-url <url>", "the server (default CAIRN_BASE_URL, else http://127.0.0.1:8080)")
      .option("--api-key <key>", "the key (default CAIRN_API_KEY, else read from stdin)")
      .option("--entity <entity>", "default entity to store")
      .option("--project <project>", "default project to store")
      .action(
        action(deps, async (ctx, options: LoginOptions) => {
          const baseUrl = options.baseUrl ?? ctx.env.CAIRN_BASE_URL ?? "http://127.0.0.1:8080";
          const apiKey = options.apiKey ?? ctx.env.CAIRN_API_KEY ?? (await readKey(deps));
          if (!apiKey) {
            throw new CairnError(
              "INVALID_INPUT",
              "No API key given: pass --api-key, set CAIRN_API_KEY, or paste it on stdin (create one with `cairn keys create`; the first server start prints the admin's).",
            );
          }
          // Check the key before storing it, so a typo is reported now and not at the next command.
          const cairn = new Cairn({
            baseUrl,
            apiKey,
            env: {},
            configPath: "/nonexistent",
            retry: { attempts: 2, baseMs: 100 },
          });
          let me: Awaited<ReturnType<typeof cairn.trpc.accounts.whoami.query>>;
          try {
            me = await callChecked(cairn, () => cairn.trpc.accounts.whoami.query());
          } finally {
            await cairn.close();
          }
          const path = configFilePath(ctx.env);
          await saveConfig(
            { baseUrl, apiKey, entity: options.entity, project: options.project },
            path,
          );
          ctx.output.result({ user: me.user.name, baseUrl, configFile: path }, () =>
            ctx.output.line(`Logged in to ${baseUrl} as ${me.user.name} (saved to ${path})`),
          );
          return 0;
        }),
      ),
    "cairn login --base-url http://127.0.0.1:8080 --api-key cairn_xxxx_yyyy --project demo",
    'echo "$KEY" | cairn login --base-url https://cairn.example.com',
  );

  example(
    program
      .command("whoami")
      .description("show the signed-in user, the server and the entities you can write to")
      .action(
        action(deps, async (ctx) => {
          const me = await ctx.call((t) => t.accounts.whoami.query());
          const baseUrl = ctx.cairn().baseUrl;
          ctx.output.result({ ...me, baseUrl }, () => {
            ctx.output.line(
              `${me.user.name} on ${baseUrl}${me.isSiteAdmin ? " (site admin)" : ""}`,
            );
            for (const e of me.entities) ctx.output.line(`  ${e.name}  ${e.kind}  ${e.role}`);
          });
          return 0;
        }),
      ),
    "cairn whoami --json",
  );
}

async function callChecked<T>(cairn: Cairn, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toCairnError(error, cairn.baseUrl);
  }
}

async function readKey(deps: CliDeps): Promise<string | undefined> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    const rl = createInterface({
      input: stdin,
      output: deps.streams.stderr as NodeJS.WritableStream,
    });
    try {
      return (await rl.question("API key: ")).trim() || undefined;
    } finally {
      rl.close();
    }
  }
  let text = "";
  for await (const chunk of stdin) text += String(chunk);
  return text.trim() || undefined;
}
