import type { RouterOutputs } from "@cairn/client";
import { CairnError, parseDuration } from "@cairn/core";
import type { Command } from "commander";
import type { CliDeps } from "../context.js";
import { EXIT_CODES } from "../errors.js";
import { formatBytes } from "../units.js";
import { action, example } from "./action.js";

/** One `admin.repack` answer, as the server's router types it. */
type RepackStep = RouterOutputs["admin"]["repack"];

/**
 * What a whole `cairn admin repack` did: the last call's answer, with blobs and bytes moved and
 * pack writes summed over its `calls` (a pack that took blobs in two calls counts twice).
 */
type RepackTotals = RepackStep & { calls: number };

/** `cairn admin …`: administration of the server itself (site admins only). */
export function registerSiteAdminCommands(program: Command, deps: CliDeps): void {
  const admin = program.command("admin").description("administer the server (site admins only)");
  example(
    admin
      .command("repack")
      .description(
        "move blobs stored one file per blob (before packs) into packs, then compact sparse packs",
      )
      .option("--batch <n>", "loose blobs moved per server call", "5000")
      .option("--grace <duration>", "leave packs changed within this period alone (0: none)", "1h")
      .option("--no-compact", "only move loose blobs; do not rewrite sparse packs")
      .action(
        action(deps, async (ctx, options: { batch: string; grace: string; compact: boolean }) => {
          const limit = Number(options.batch);
          if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
            throw new CairnError(
              "INVALID_INPUT",
              `--batch ${JSON.stringify(options.batch)} is not a whole number from 1 to 100000: pass e.g. --batch 5000.`,
            );
          }
          const graceMs = options.grace === "0" ? 0 : parseDuration(options.grace);
          const totals: RepackTotals = {
            blobsMoved: 0,
            bytesMoved: 0,
            packsWritten: 0,
            corrupt: 0,
            done: false,
            calls: 0,
            compaction: null,
          };
          // Each call moves at most `limit` blobs; the server compacts in the call that finds
          // nothing left. A call that moves nothing and is not done only met corrupt blobs.
          for (;;) {
            const step = await ctx.call((t) =>
              t.admin.repack.mutate({ limit, graceMs, compact: options.compact }),
            );
            totals.calls += 1;
            totals.blobsMoved += step.blobsMoved;
            totals.bytesMoved += step.bytesMoved;
            totals.packsWritten += step.packsWritten;
            totals.corrupt = step.corrupt;
            totals.done = step.done;
            totals.compaction = step.compaction;
            if (step.done || step.blobsMoved === 0) break;
            ctx.output.note(
              `moved ${totals.blobsMoved} blob(s), ${formatBytes(totals.bytesMoved)} so far`,
            );
          }
          ctx.output.result(totals, () => {
            ctx.output.line(
              `moved ${totals.blobsMoved} loose blob(s), ${formatBytes(totals.bytesMoved)}, into ${totals.packsWritten} pack write(s)`,
            );
            const c = totals.compaction;
            if (c) {
              ctx.output.line(
                `compacted ${c.packsRewritten} pack(s) (${c.recordsMoved} record(s) moved, ${c.packsDeleted} pack(s) deleted): packs ${formatBytes(c.bytesBefore)} → ${formatBytes(c.bytesAfter)}`,
              );
            }
            if (totals.corrupt > 0) {
              ctx.output.note(
                `${totals.corrupt} loose blob(s) do not match their digest and were left in place: the blob-verify job reports them`,
              );
            }
          });
          // Corrupt loose blobs kept it from finishing: the verify family's exit code.
          return totals.done ? 0 : EXIT_CODES.verify;
        }),
      ),
    "cairn admin repack",
    "cairn admin repack --grace 0 --json",
  );
}
