import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../actor.js";
import { createDraftTestbed, type DraftTestbed } from "./drafts.test-helpers.js";

const PATHS = ["a.txt", "b.txt", "c.txt", "d/e.txt"];

/**
 * The merge rule of parallel writers lives in one place, the SQL of `mergeUpsertRows`: per path
 * the entry of the upsert accepted last (highest seq) wins, whatever order the upserts are applied
 * in, concurrently or twice. This checks it against PGlite for random upserts and orders.
 */
describe("the draft merge rule (SQL) [pglite]", () => {
  let t: DraftTestbed;
  let alice: Actor;
  let run = 0;
  beforeAll(async () => {
    // No workers: the test applies the queued upserts itself, in the order it chooses.
    t = await createDraftTestbed("pglite", { workers: false });
    alice = await t.user("alice");
  });
  afterAll(() => t?.close());

  it("keeps, per path, the entry of the highest seq, in any apply order, with replays", async () => {
    const upsertArb = fc.array(
      fc.uniqueArray(fc.constantFrom(...PATHS), { minLength: 1, maxLength: PATHS.length }),
      { minLength: 1, maxLength: 5 },
    );
    await fc.assert(
      fc.asyncProperty(
        upsertArb,
        fc.infiniteStream(fc.nat()),
        fc.array(fc.nat(), { maxLength: 3 }),
        async (upserts, shuffle, replays) => {
          run++;
          const accepted: Array<{ draftId: string; seq: number }> = [];
          const expected = new Map<string, string>();
          for (const [i, paths] of upserts.entries()) {
            const entries = await t.files(
              alice,
              paths.map((path) => ({ path, content: `run ${run} upsert ${i} ${path}` })),
            );
            const ack = await t.services.drafts.upsert(alice, {
              entity: "alice",
              project: "main",
              name: `merge-${run}`,
              type: "dataset",
              distributedId: `group-${run}`,
              entries,
            });
            accepted.push(ack);
            for (const entry of entries) expected.set(entry.path, entry.digest);
          }
          // A random permutation of the applies, then a few replays of applied upserts.
          const order = [...accepted];
          const it = shuffle[Symbol.iterator]();
          for (let i = order.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          for (const r of replays) order.push(accepted[r % accepted.length]!);
          for (const ack of order) await t.services.drafts.applyUpsert(ack);
          const rows = await sql<{ path: string; digest: string }>`
            select path, digest from draft_entries where draft_id = ${accepted[0]!.draftId}
          `.execute(t.database.db);
          expect(new Map(rows.rows.map((r) => [r.path, r.digest]))).toEqual(expected);
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});
