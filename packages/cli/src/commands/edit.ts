import { formatReference } from "@cairn/core";
import type { Command } from "commander";
import type { CliDeps } from "../context.js";
import { action, example } from "./action.js";

/** `cairn alias set|rm`, `cairn rm`, `cairn ttl`: changes to logged versions. */
export function registerEditCommands(program: Command, deps: CliDeps): void {
  const alias = program.command("alias").description("move or remove aliases");
  example(
    alias
      .command("set")
      .description("point ALIAS at the version REF names (moving it from another version)")
      .argument("<ref>", "reference of the version")
      .argument("<alias>", "the alias (not vN, not a digest)")
      .action(
        action(deps, async (ctx, ref: string, name: string) => {
          const q = await ctx.qualify(ref);
          const info = await ctx.call((t) =>
            t.artifacts.setAlias.mutate({
              entity: q.entity,
              project: q.project,
              ref: formatReference({ name: q.name, selector: q.selector }),
              alias: name,
            }),
          );
          ctx.output.result(info, () =>
            ctx.output.line(`${name} → ${q.entity}/${q.project}/${q.name}:${info.version}`),
          );
          return 0;
        }),
      ),
    "cairn alias set mnist:v3 production",
  );
  example(
    alias
      .command("rm")
      .description("remove ALIAS from the artifact NAME")
      .argument("<name>", "artifact name (name, project/name or entity/project/name)")
      .argument("<alias>", "the alias to remove")
      .action(
        action(deps, async (ctx, name: string, aliasName: string) => {
          const q = await ctx.qualify(name);
          const result = await ctx.call((t) =>
            t.artifacts.removeAlias.mutate({
              entity: q.entity,
              project: q.project,
              name: q.name,
              alias: aliasName,
            }),
          );
          ctx.output.result(result, () =>
            ctx.output.line(`removed ${aliasName} from ${q.entity}/${q.project}/${q.name}`),
          );
          return 0;
        }),
      ),
    "cairn alias rm mnist staging",
  );

  example(
    program
      .command("rm")
      .description("delete a version (one holding aliases needs --delete-aliases)")
      .argument("<ref>", "reference of the version")
      .option("--delete-aliases", "also remove the aliases that point at it")
      .action(
        action(deps, async (ctx, ref: string, options: { deleteAliases?: boolean }) => {
          const artifact = await ctx.artifact(ref);
          await artifact.delete({ deleteAliases: options.deleteAliases ?? false });
          ctx.output.result({ deleted: artifact.qualifiedName }, () =>
            ctx.output.line(`deleted ${artifact.qualifiedName}`),
          );
          return 0;
        }),
      ),
    "cairn rm mnist:v0 --delete-aliases",
  );

  example(
    program
      .command("ttl")
      .description(
        "set how long a version is kept: a duration (30d, 12h), none (forever) or inherit",
      )
      .argument("<ref>", "reference of the version")
      .argument("<ttl>", "DURATION | none | inherit")
      .action(
        action(deps, async (ctx, ref: string, ttl: string) => {
          const artifact = await ctx.artifact(ref);
          artifact.ttl = ttl;
          await artifact.save();
          const info = artifact.info;
          ctx.output.result(info, () =>
            ctx.output.line(
              `${artifact.qualifiedName} ttl ${info.ttl}${info.expiresAt ? `, expires ${info.expiresAt}` : ""}`,
            ),
          );
          return 0;
        }),
      ),
    "cairn ttl mnist:v2 30d",
  );
}
