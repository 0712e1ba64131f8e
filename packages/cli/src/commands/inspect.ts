import type { RouterOutputs, VersionInfo } from "@cairn/client";
import { isCairnError } from "@cairn/core";
import type { Command } from "commander";
import type { CliContext, CliDeps } from "../context.js";
import { formatBytes, formatDate } from "../units.js";
import { action, example } from "./action.js";

/** `cairn ls`, `cairn files`, `cairn info`, `cairn diff`: read-only listings. */
export function registerInspectCommands(program: Command, deps: CliDeps): void {
  example(
    program
      .command("ls")
      .description(
        "list the artifacts of a project, or the versions of one artifact (aliases, sizes, dates)",
      )
      .argument(
        "[target]",
        "PROJECT or entity/PROJECT (collections), or NAME / project/NAME (versions)",
      )
      .option("--type <type>", "only collections of this type")
      .action(
        action(deps, async (ctx, target: string | undefined, options: { type?: string }) => {
          if (target !== undefined) {
            const versions = await listVersionsOf(ctx, target);
            if (versions) return 0;
          }
          await listCollections(ctx, target, options.type);
          return 0;
        }),
      ),
    "cairn ls                # artifacts of the default project",
    "cairn ls mnist --json   # versions of mnist",
  );

  example(
    program
      .command("files")
      .description("list the files (and references) of a version")
      .argument("<ref>", "reference of the version")
      .action(
        action(deps, async (ctx, ref: string) => {
          const artifact = await ctx.artifact(ref);
          const entries = artifact.manifest.entries;
          ctx.output.result(entries, () =>
            ctx.output.table(
              ["PATH", "SIZE", "DIGEST", "REF"],
              entries.map((e) => [e.path, formatBytes(e.size), e.digest.slice(0, 12), e.ref]),
            ),
          );
          return 0;
        }),
      ),
    "cairn files mnist:v2 --json",
  );

  example(
    program
      .command("info")
      .description(
        "show a version: metadata, digest, size, aliases, TTL, the run that logged it and the runs that used it",
      )
      .argument("<ref>", "reference of the version")
      .action(
        action(deps, async (ctx, ref: string) => {
          const artifact = await ctx.artifact(ref);
          const [producer, consumers] = await Promise.all([artifact.loggedBy(), artifact.usedBy()]);
          const loggedBy = producer?.info ?? null;
          const usedBy = consumers.map((r) => r.info);
          const info = artifact.info;
          ctx.output.result({ ...info, ref: artifact.qualifiedName, loggedBy, usedBy }, () => {
            const rows: Array<[string, string]> = [
              ["ref", artifact.qualifiedName],
              ["type", info.type],
              ["digest", info.digest],
              ["size", `${formatBytes(info.size)} in ${info.fileCount} file(s)`],
              ["aliases", info.aliases.join(", ") || "-"],
              ["tags", info.tags.join(", ") || "-"],
              ["created", formatDate(info.createdAt)],
              [
                "ttl",
                `${info.ttl}${info.expiresAt ? ` (expires ${formatDate(info.expiresAt)})` : ""}`,
              ],
              ["description", info.description ?? "-"],
              ["metadata", JSON.stringify(info.metadata)],
              ["logged by", loggedBy ? `run ${loggedBy.id} (${loggedBy.jobType})` : "-"],
              ["used by", usedBy.map((r) => `run ${r.id} (${r.jobType})`).join(", ") || "-"],
            ];
            for (const [k, v] of rows) ctx.output.line(`${`${k}:`.padEnd(13)}${v}`);
          });
          return 0;
        }),
      ),
    "cairn info mnist:latest",
  );

  example(
    program
      .command("diff")
      .description("paths added, removed and changed from version A to version B, with sizes")
      .argument("<refA>", "the older version")
      .argument("<refB>", "the newer version")
      .action(
        action(deps, async (ctx, a: string, b: string) => {
          const diff = await ctx
            .cairn()
            .api()
            .diff(await ctx.versionRef(a), await ctx.versionRef(b));
          ctx.output.result(diff, () => {
            for (const e of diff.added) ctx.output.line(`+ ${e.path}  ${formatBytes(e.size)}`);
            for (const e of diff.removed) ctx.output.line(`- ${e.path}  ${formatBytes(e.size)}`);
            for (const c of diff.changed)
              ctx.output.line(
                `~ ${c.path}  ${formatBytes(c.before.size)} → ${formatBytes(c.after.size)}`,
              );
            const t = diff.totals;
            ctx.output.note(
              `${t.added} added (${formatBytes(t.addedBytes)}), ${t.removed} removed (${formatBytes(t.removedBytes)}), ${t.changed} changed${diff.truncated ? " (list truncated)" : ""}`,
            );
          });
          return 0;
        }),
      ),
    "cairn diff mnist:v1 mnist:v2",
  );
}

/** Lists versions when `target` names a collection; undefined when it does not (then: a project). */
async function listVersionsOf(ctx: CliContext, target: string): Promise<true | undefined> {
  const parts = target.split("/");
  // name, project/name, entity/project/name may be a collection; a word may also be a project.
  let where: { entity: string; project: string; name: string };
  try {
    const q = await ctx.qualify(target);
    where = { entity: q.entity, project: q.project, name: q.name };
  } catch (error) {
    if (isCairnError(error, "INVALID_REFERENCE") && parts.length <= 2) return undefined;
    throw error;
  }
  const versions: VersionInfo[] = [];
  try {
    let cursor: string | undefined;
    do {
      const page = await ctx.call((t) =>
        t.artifacts.listVersions.query({ ...where, limit: 1000, ...(cursor ? { cursor } : {}) }),
      );
      versions.push(...page.versions);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  } catch (error) {
    // Not a collection here: a single word may be a project (`cairn ls PROJECT`).
    if (isCairnError(error, "NOT_FOUND") && parts.length <= 2) return undefined;
    throw error;
  }
  ctx.output.result(versions, () =>
    ctx.output.table(
      ["VERSION", "ALIASES", "SIZE", "FILES", "CREATED", "DIGEST"],
      versions.map((v) => [
        v.version,
        v.aliases.join(","),
        formatBytes(v.size),
        v.fileCount,
        formatDate(v.createdAt),
        v.digest.slice(0, 12),
      ]),
    ),
  );
  return true;
}

async function listCollections(
  ctx: CliContext,
  project: string | undefined,
  type: string | undefined,
): Promise<void> {
  const where = await ctx.project(project);
  const collections: RouterOutputs["artifacts"]["listCollections"]["collections"] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.call((t) =>
      t.artifacts.listCollections.query({
        ...where,
        limit: 1000,
        ...(type ? { type } : {}),
        ...(cursor ? { cursor } : {}),
      }),
    );
    collections.push(...page.collections);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  ctx.output.result(collections, () =>
    ctx.output.table(
      ["NAME", "TYPE", "VERSIONS", "LATEST", "UPDATED"],
      collections.map((c) => [
        c.name,
        c.type,
        c.versionCount,
        c.latest === undefined || c.latest === null ? "-" : `v${c.latest}`,
        formatDate(c.updatedAt),
      ]),
    ),
  );
}
