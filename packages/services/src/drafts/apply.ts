import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";
import { sql } from "kysely";
import { type DraftDb, draftDb } from "./schema.js";

/**
 * Merges one accepted upsert into `draft_entries` — the one merge rule of parallel writers (its
 * property test is merge.property.test.ts): per path the entry of the highest acceptance seq wins, so applying
 * upserts in any order, concurrently, or twice gives the same entries. Rows go in path order so two
 * concurrent applies with overlapping paths lock rows in the same order (no deadlock).
 * Marks the upsert applied. Run inside the caller's transaction.
 */
export async function mergeUpsertRows(trx: DraftDb, draftId: string, seq: number): Promise<void> {
  await sql`
    insert into draft_entries (draft_id, path, digest, size, ref, extra, seq, run_id)
    select u.draft_id, x.path, x.digest, x.size, x.ref, x.extra, u.seq, u.run_id
    from draft_upserts u,
      jsonb_to_recordset(u.entries) as x(path text, digest text, size bigint, ref text, extra jsonb)
    where u.draft_id = ${draftId} and u.seq = ${seq}
    order by x.path collate "C"
    on conflict (draft_id, path) do update set
      digest = excluded.digest, size = excluded.size, ref = excluded.ref, extra = excluded.extra,
      seq = excluded.seq, run_id = excluded.run_id
    where draft_entries.seq < excluded.seq`.execute(trx);
  await trx
    .updateTable("draft_upserts")
    .set({ state: "applied", applied_at: sql<Date>`now()` })
    .where("draft_id", "=", draftId)
    .where("seq", "=", seq)
    .execute();
}

/**
 * The `upsert` job: applies accepted upsert `seq` of a draft, once. The draft row is held
 * `for key share`, which lets applies of one draft run side by side and never blocks acceptance
 * (`for no key update`), but waits for a finish (`for update`): a finish that already applied this
 * upsert is seen as `applied` here, and nothing is merged after a version was committed.
 */
export async function applyAcceptedUpsert(
  db: Kysely<Database>,
  payload: { draftId: string; seq: number },
): Promise<{ applied: boolean }> {
  return draftDb(db)
    .transaction()
    .execute(async (trx) => {
      const draft = await trx
        .selectFrom("drafts")
        .select("id")
        .where("id", "=", payload.draftId)
        .forKeyShare()
        .executeTakeFirst();
      // A draft removed with its project leaves nothing to do: succeed so the job is not retried.
      if (!draft) return { applied: false };
      const upsert = await trx
        .selectFrom("draft_upserts")
        .select("state")
        .where("draft_id", "=", payload.draftId)
        .where("seq", "=", payload.seq)
        .forUpdate()
        .executeTakeFirst();
      if (!upsert || upsert.state === "applied") return { applied: false };
      await mergeUpsertRows(trx, payload.draftId, payload.seq);
      return { applied: true };
    });
}
