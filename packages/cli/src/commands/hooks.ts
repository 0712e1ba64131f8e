import { CairnError, EVENT_KINDS, isEventKind } from "@cairn/core";
import type { Command } from "commander";
import type { CliDeps } from "../context.js";
import { formatDate } from "../units.js";
import { action, example } from "./action.js";

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new CairnError("INVALID_INPUT", `${flag} must be a whole number ≥ 0, got "${value}".`);
  }
  return n;
}

function kindsOf(list: string | undefined): Array<(typeof EVENT_KINDS)[number]> | undefined {
  if (list === undefined) return undefined;
  const kinds = list.split(",").map((k) => k.trim());
  const bad = kinds.filter((k) => !isEventKind(k));
  if (bad.length > 0) {
    throw new CairnError(
      "INVALID_INPUT",
      `Unknown event kind ${bad.map((k) => `"${k}"`).join(", ")}: use ${EVENT_KINDS.join(", ")}.`,
    );
  }
  return kinds as Array<(typeof EVENT_KINDS)[number]>;
}

/** `cairn hooks create|ls|rm|deliveries|redeliver|rotate` and `cairn watch`. */
export function registerHookCommands(program: Command, deps: CliDeps): void {
  const hooks = program.command("hooks").description("webhooks: signed HTTP calls on events");
  example(
    hooks
      .command("create")
      .description("create a webhook (its signing secret is shown once)")
      .argument("<url>", "where to POST events (http(s); internal addresses are refused)")
      .option("--project <project>", "project (default CAIRN_PROJECT)")
      .option("--entity-wide", "every project of the entity (entity admins only)")
      .option("--events <kinds>", `comma-separated kinds: ${EVENT_KINDS.join(", ")}`)
      .option("--name <pattern>", "only artifacts whose name matches (glob: * and ?)")
      .option("--type <pattern>", "only artifacts whose type matches (glob)")
      .option("--alias <pattern>", "only alias moves of matching aliases (glob)")
      .option("--description <text>", "what the hook is for")
      .action(
        action(
          deps,
          async (
            ctx,
            url: string,
            o: {
              project?: string;
              entityWide?: boolean;
              events?: string;
              name?: string;
              type?: string;
              alias?: string;
              description?: string;
            },
          ) => {
            const where = o.entityWide
              ? { entity: await ctx.entity() }
              : await ctx.project(o.project);
            const kinds = kindsOf(o.events);
            const created = await ctx.call((t) =>
              t.hooks.create.mutate({
                ...where,
                url,
                ...(kinds === undefined ? {} : { kinds }),
                ...(o.name === undefined ? {} : { namePattern: o.name }),
                ...(o.type === undefined ? {} : { typePattern: o.type }),
                ...(o.alias === undefined ? {} : { aliasPattern: o.alias }),
                ...(o.description === undefined ? {} : { description: o.description }),
              }),
            );
            ctx.output.result(created, () => {
              ctx.output.line(created.secret);
              ctx.output.note(
                `hook ${created.id} created; verify deliveries with this secret (shown only once)`,
              );
            });
            return 0;
          },
        ),
      ),
    "cairn hooks create https://ci.example.com/cairn --events alias.moved --type dataset --alias production",
  );
  example(
    hooks
      .command("ls")
      .description("list the webhooks of a project (and the entity-wide ones)")
      .option("--project <project>", "project (default CAIRN_PROJECT)")
      .option("--entity-wide", "the entity's hooks instead")
      .action(
        action(deps, async (ctx, o: { project?: string; entityWide?: boolean }) => {
          const where = o.entityWide
            ? { entity: await ctx.entity() }
            : await ctx.project(o.project);
          const list = await ctx.call((t) => t.hooks.list.query(where));
          ctx.output.result(list, () =>
            ctx.output.table(
              ["ID", "PROJECT", "URL", "EVENTS", "FILTERS", "PENDING", "FAILED"],
              list.map((h) => [
                h.id,
                h.project ?? "(all)",
                h.url,
                h.kinds.length === 0 ? "all" : h.kinds.join(","),
                [
                  h.namePattern && `name=${h.namePattern}`,
                  h.typePattern && `type=${h.typePattern}`,
                  h.aliasPattern && `alias=${h.aliasPattern}`,
                ]
                  .filter(Boolean)
                  .join(" "),
                h.pending,
                h.failed,
              ]),
            ),
          );
          return 0;
        }),
      ),
    "cairn hooks ls --json",
  );
  example(
    hooks
      .command("rm")
      .description("delete a webhook and its delivery log")
      .argument("<id>", "the hook id (see `cairn hooks ls`)")
      .action(
        action(deps, async (ctx, id: string) => {
          const removed = await ctx.call((t) => t.hooks.remove.mutate({ id }));
          ctx.output.result(removed, () => ctx.output.note(`hook ${id} deleted`));
          return 0;
        }),
      ),
    "cairn hooks rm 0b7c…",
  );
  example(
    hooks
      .command("rotate")
      .description("new signing secret; the old one keeps signing beside it for 24 h")
      .argument("<id>", "the hook id")
      .action(
        action(deps, async (ctx, id: string) => {
          const rotated = await ctx.call((t) => t.hooks.rotateSecret.mutate({ id }));
          ctx.output.result(rotated, () => {
            ctx.output.line(rotated.secret);
            ctx.output.note(`the previous secret stays valid until ${rotated.previousValidUntil}`);
          });
          return 0;
        }),
      ),
    "cairn hooks rotate 0b7c…",
  );
  example(
    hooks
      .command("deliveries")
      .description("the delivery log of a webhook, newest first")
      .argument("<id>", "the hook id")
      .option("--status <status>", "pending, delivered or failed")
      .option("--limit <n>", "most deliveries to list", "50")
      .action(
        action(deps, async (ctx, id: string, o: { status?: string; limit: string }) => {
          if (o.status !== undefined && !["pending", "delivered", "failed"].includes(o.status)) {
            throw new CairnError(
              "INVALID_INPUT",
              `--status must be pending, delivered or failed, got "${o.status}".`,
            );
          }
          const { deliveries } = await ctx.call((t) =>
            t.hooks.deliveries.query({
              id,
              limit: Math.max(1, count(o.limit, "--limit") ?? 50),
              ...(o.status === undefined ? {} : { status: o.status as "pending" }),
            }),
          );
          ctx.output.result(deliveries, () =>
            ctx.output.table(
              ["ID", "EVENT", "TYPE", "STATUS", "TRIES", "HTTP", "MS", "AT", "ERROR / ANSWER"],
              deliveries.map((d) => [
                d.id,
                d.eventId,
                d.eventType,
                d.status,
                d.attempts,
                d.lastStatus,
                d.latencyMs,
                formatDate(d.deliveredAt ?? d.createdAt),
                (d.lastError ?? d.responseExcerpt ?? "").slice(0, 60),
              ]),
            ),
          );
          return 0;
        }),
      ),
    "cairn hooks deliveries 0b7c… --status failed",
  );
  example(
    hooks
      .command("redeliver")
      .description("send a delivery's event again (same event id)")
      .argument("<id>", "the hook id")
      .argument("<delivery>", "the delivery id (see `cairn hooks deliveries`)")
      .action(
        action(deps, async (ctx, id: string, delivery: string) => {
          const deliveryId = count(delivery, "<delivery>") ?? 0;
          const queued = await ctx.call((t) => t.hooks.redeliver.mutate({ id, deliveryId }));
          ctx.output.result(queued, () =>
            ctx.output.note(`queued as delivery ${queued.deliveryId}`),
          );
          return 0;
        }),
      ),
    "cairn hooks redeliver 0b7c… 42",
  );

  example(
    program
      .command("watch")
      .description("print a project's events as they commit (resumes after drops)")
      .option("--project <project>", "project (default CAIRN_PROJECT)")
      .option("--after <seq>", "start after this event position (0 = oldest kept)")
      .option("--limit <n>", "stop after this many events")
      .action(
        action(deps, async (ctx, o: { project?: string; after?: string; limit?: string }) => {
          const where = await ctx.project(o.project);
          const limit = count(o.limit, "--limit");
          const after = count(o.after, "--after");
          const controller = new AbortController();
          const stop = () => controller.abort();
          process.once("SIGINT", stop);
          let seen = 0;
          try {
            if (limit === 0) return 0;
            for await (const event of ctx
              .cairn()
              .api()
              .events({
                ...where,
                signal: controller.signal,
                // Always on stderr (also with --json/--quiet): a gap means events were missed.
                onGap: (gap) => ctx.output.streams.stderr.write(`warning: ${gap.message}\n`),
                ...(after === undefined ? {} : { after }),
              })) {
              if (ctx.output.json) ctx.output.line(JSON.stringify(event));
              else {
                const d = event.data;
                const what =
                  event.type === "alias.moved"
                    ? `${d.name}:${d.alias} ${d.from?.version ?? "∅"} → ${d.to?.version ?? "∅"}`
                    : `${d.version?.ref ?? `${d.entity}/${d.project}/${d.name}`}${d.distributedId ? ` (draft ${d.distributedId})` : ""}`;
                ctx.output.line(`${event.seq}\t${event.timestamp}\t${event.type}\t${what}`);
              }
              seen += 1;
              if (limit !== undefined && seen >= limit) break;
            }
          } finally {
            process.off("SIGINT", stop);
          }
          return 0;
        }),
      ),
    "cairn watch --project vision",
    "cairn watch --json | jq 'select(.type == \"alias.moved\")'",
  );
}
