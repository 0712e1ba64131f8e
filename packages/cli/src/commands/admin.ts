import { createBlobCache } from "@cairn/client/internal";
import { CairnError } from "@cairn/core";
import type { Command } from "commander";
import type { CliDeps } from "../context.js";
import { formatBytes, formatDate, parseSize } from "../units.js";
import { action, example } from "./action.js";

const VISIBILITIES = ["private", "public", "open"] as const;

/** `cairn runs ls`, `cairn keys …`, `cairn project create`, `cairn cache …`. */
export function registerAdminCommands(program: Command, deps: CliDeps): void {
  const runs = program.command("runs").description("inspect runs");
  example(
    runs
      .command("ls")
      .description("list the runs of a project, filtered and sorted")
      .option("--project <project>", "project (default CAIRN_PROJECT)")
      .option("--group <group>", "only runs of this group")
      .option("--job-type <jobType>", "only runs of this job type")
      .option("--sort <order>", "e.g. -summary.val_acc (descending), createdAt")
      .option("--limit <n>", "most runs to list", "100")
      .action(
        action(
          deps,
          async (
            ctx,
            options: {
              project?: string;
              group?: string;
              jobType?: string;
              sort?: string;
              limit: string;
            },
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
            return 0;
          },
        ),
      ),
    "cairn runs ls --group sweep-7 --sort -summary.val_acc --json",
  );

  const keys = program.command("keys").description("manage your API keys");
  example(
    keys
      .command("create")
      .description("create an API key (shown once: store it now)")
      .option("--label <label>", "what the key is for")
      .action(
        action(deps, async (ctx, options: { label?: string }) => {
          const key = await ctx.call((t) =>
            t.accounts.createApiKey.mutate(
              options.label === undefined ? {} : { label: options.label },
            ),
          );
          ctx.output.result(key, () => {
            ctx.output.line(key.key);
            ctx.output.note(`key ${key.id} created; it is shown only once — store it now`);
          });
          return 0;
        }),
      ),
    "cairn keys create --label ci",
  );
  example(
    keys
      .command("ls")
      .description("list your API keys (never their secrets)")
      .action(
        action(deps, async (ctx) => {
          const list = await ctx.call((t) => t.accounts.listApiKeys.query());
          ctx.output.result(list, () =>
            ctx.output.table(
              ["ID", "LABEL", "CREATED", "LAST USED"],
              list.map((k) => {
                const row = k as {
                  id: string;
                  label: string | null;
                  createdAt?: string;
                  lastUsedAt?: string | null;
                };
                return [row.id, row.label, formatDate(row.createdAt), formatDate(row.lastUsedAt)];
              }),
            ),
          );
          return 0;
        }),
      ),
    "cairn keys ls --json",
  );
  example(
    keys
      .command("revoke")
      .description("revoke an API key by id")
      .argument("<id>", "the key id (see `cairn keys ls`)")
      .action(
        action(deps, async (ctx, id: string) => {
          const result = await ctx.call((t) => t.accounts.revokeApiKey.mutate({ id }));
          ctx.output.result(result ?? { revoked: id }, () => ctx.output.line(`revoked ${id}`));
          return 0;
        }),
      ),
    "cairn keys revoke abcdefghijkl",
  );

  const project = program.command("project").description("manage projects");
  example(
    project
      .command("create")
      .description("create a project in your entity (or --entity, a team you administer)")
      .argument("<name>", "project name")
      .option("--visibility <visibility>", "private | public | open", "private")
      .option("--entity <entity>", "owner entity (default: yours)")
      .option("--description <text>", "description")
      .action(
        action(
          deps,
          async (
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
            return 0;
          },
        ),
      ),
    "cairn project create mnist-experiments --visibility public",
  );

  const cache = program.command("cache").description("inspect and trim the local blob cache");
  example(
    cache
      .command("stats")
      .description("size of the local cache (CAIRN_CACHE_DIR, else $XDG_CACHE_HOME/cairn)")
      .action(
        action(deps, async (ctx) => {
          const dir = ctx.cacheDir();
          const stats = await createBlobCache({ dir }).stats();
          ctx.output.result({ dir, ...stats }, () =>
            ctx.output.line(`${dir}: ${stats.blobs} blob(s), ${formatBytes(stats.bytes)}`),
          );
          return 0;
        }),
      ),
    "cairn cache stats --json",
  );
  example(
    cache
      .command("prune")
      .description(
        "evict least recently used blobs until the cache fits --max-size (default: empty it)",
      )
      .option("--max-size <size>", "size to keep, e.g. 10GB, 500MiB", "0")
      .action(
        action(deps, async (ctx, options: { maxSize: string }) => {
          const dir = ctx.cacheDir();
          const result = await createBlobCache({ dir }).prune({
            maxBytes: parseSize(options.maxSize),
          });
          ctx.output.result({ dir, ...result }, () =>
            ctx.output.line(
              `removed ${result.removedBlobs} blob(s), ${formatBytes(result.removedBytes)} from ${dir}`,
            ),
          );
          return 0;
        }),
      ),
    "cairn cache prune --max-size 10GB",
  );
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
