import { createBlobCache } from "@cairn/client/internal";
import { CairnError } from "@cairn/core";
import type { Command } from "commander";
import type { CliDeps } from "../context.js";
import { formatBytes, formatDate, parseSize } from "../units.js";
import { subcommand } from "./action.js";

const VISIBILITIES = ["private", "public", "open"] as const;

/** `cairn runs ls`, `cairn keys …`, `cairn project create`, `cairn cache …`. */
export function registerAdminCommands(program: Command, deps: CliDeps): void {
  const runs = program.command("runs").description("inspect runs");
  subcommand(runs, deps, "ls", {
    description: "list the runs of a project, filtered and sorted",
    options: [
      ["--project <project>", "project (default CAIRN_PROJECT)"],
      ["--group <group>", "only runs of this group"],
      ["--job-type <jobType>", "only runs of this job type"],
      ["--sort <order>", "e.g. -summary.val_acc (descending), createdAt"],
      ["--limit <n>", "most runs to list", "100"],
    ],
    examples: ["cairn runs ls --group sweep-7 --sort -summary.val_acc --json"],
    run: async (
      ctx,
      options: { project?: string; group?: string; jobType?: string; sort?: string; limit: string },
    ) => {
      const where = await ctx.project(options.project);
      const list = await ctx
        .cairn()
        .api()
        .runs({
          ...where,
          limit: positiveInt(options.limit, "--limit"),
          ...(options.group === undefined ? {} : { group: options.group }),
          ...(options.jobType === undefined ? {} : { jobType: options.jobType }),
          ...(options.sort === undefined ? {} : { orderBy: options.sort }),
        });
      const infos = list.map((r) => r.info);
      ctx.output.result(infos, () =>
        ctx.output.table(
          ["ID", "JOB TYPE", "GROUP", "STATE", "CREATED", "SUMMARY"],
          infos.map((r) => [
            r.id,
            r.jobType,
            r.group,
            r.state,
            formatDate(r.createdAt),
            JSON.stringify(r.summary),
          ]),
        ),
      );
    },
  });

  const keys = program.command("keys").description("manage your API keys");
  subcommand(keys, deps, "create", {
    description: "create an API key (shown once: store it now)",
    options: [["--label <label>", "what the key is for"]],
    examples: ["cairn keys create --label ci"],
    run: async (ctx, options: { label?: string }) => {
      const key = await ctx.call((t) =>
        t.accounts.createApiKey.mutate(options.label === undefined ? {} : { label: options.label }),
      );
      ctx.output.result(key, () => {
        ctx.output.line(key.key);
        ctx.output.note(`key ${key.id} created; it is shown only once — store it now`);
      });
    },
  });
  subcommand(keys, deps, "ls", {
    description: "list your API keys (never their secrets)",
    examples: ["cairn keys ls --json"],
    run: async (ctx) => {
      const list = await ctx.call((t) => t.accounts.listApiKeys.query());
      ctx.output.result(list, () =>
        ctx.output.table(
          ["ID", "LABEL", "CREATED", "LAST USED"],
          list.map((k) => [k.id, k.label, formatDate(k.createdAt), formatDate(k.lastUsedAt)]),
        ),
      );
    },
  });
  subcommand(keys, deps, "revoke", {
    description: "revoke an API key by id",
    arguments: [["<id>", "the key id (see `cairn keys ls`)"]],
    examples: ["cairn keys revoke abcdefghijkl"],
    run: async (ctx, id: string) => {
      const result = await ctx.call((t) => t.accounts.revokeApiKey.mutate({ id }));
      ctx.output.result(result ?? { revoked: id }, () => ctx.output.line(`revoked ${id}`));
    },
  });

  const project = program.command("project").description("manage projects");
  subcommand(project, deps, "create", {
    description: "create a project in your entity (or --entity, a team you administer)",
    arguments: [["<name>", "project name"]],
    options: [
      ["--visibility <visibility>", "private | public | open", "private"],
      ["--entity <entity>", "owner entity (default: yours)"],
      ["--description <text>", "description"],
    ],
    examples: ["cairn project create mnist-experiments --visibility public"],
    run: async (
      ctx,
      name: string,
      options: { visibility: string; entity?: string; description?: string },
    ) => {
      const visibility = VISIBILITIES.find((v) => v === options.visibility);
      if (!visibility) {
        throw new CairnError(
          "INVALID_INPUT",
          `Unknown visibility ${JSON.stringify(options.visibility)}: use private, public or open.`,
        );
      }
      const created = await ctx
        .cairn()
        .api()
        .createProject({
          name,
          visibility,
          ...(options.entity === undefined ? {} : { entity: options.entity }),
          ...(options.description === undefined ? {} : { description: options.description }),
        });
      ctx.output.result(created, () =>
        ctx.output.line(`created ${created.entity}/${created.name} (${created.visibility})`),
      );
    },
  });

  const cache = program.command("cache").description("inspect and trim the local blob cache");
  subcommand(cache, deps, "stats", {
    description: "size of the local cache (CAIRN_CACHE_DIR, else $XDG_CACHE_HOME/cairn)",
    examples: ["cairn cache stats --json"],
    run: async (ctx) => {
      const dir = ctx.cacheDir();
      const stats = await createBlobCache({ dir }).stats();
      ctx.output.result({ dir, ...stats }, () =>
        ctx.output.line(`${dir}: ${stats.blobs} blob(s), ${formatBytes(stats.bytes)}`),
      );
    },
  });
  subcommand(cache, deps, "prune", {
    description:
      "evict least recently used blobs until the cache fits --max-size (default: empty it)",
    options: [["--max-size <size>", "size to keep, e.g. 10GB, 500MiB", "0"]],
    examples: ["cairn cache prune --max-size 10GB"],
    run: async (ctx, options: { maxSize: string }) => {
      const dir = ctx.cacheDir();
      const result = await createBlobCache({ dir }).prune({
        maxBytes: parseSize(options.maxSize),
      });
      ctx.output.result({ dir, ...result }, () =>
        ctx.output.line(
          `removed ${result.removedBlobs} blob(s), ${formatBytes(result.removedBytes)} from ${dir}`,
        ),
      );
    },
  });
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new CairnError(
      "INVALID_INPUT",
      `${flag} ${JSON.stringify(text)} is not a positive whole number: pass e.g. ${flag} 20.`,
    );
  }
  return n;
}
