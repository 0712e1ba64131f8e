import type { PackEntry, PackIndex, PackMove, PackStats } from "@cairn/core";
import { type Kysely, sql } from "kysely";
import { toSafeNumber } from "./pg-types.js";
import type { Database } from "./schema.js";

/** Rows per statement: 6 parameters per row stays far below PostgreSQL's 65,535. */
const BATCH = 1000;
/** Entries per `record` statement (array parameters: the statement's length does not grow). */
const RECORD_BATCH = 5000;

type Row = {
  digest: string;
  pack_id: string;
  offset: number | string;
  length: number | string;
  size: number | string;
  written_at: Date;
};

function toEntry(row: Row): PackEntry {
  return {
    digest: row.digest,
    packId: row.pack_id,
    offset: toSafeNumber(row.offset),
    length: toSafeNumber(row.length),
    size: toSafeNumber(row.size),
    writtenAt: row.written_at,
  };
}

/**
 * The pack index of `@cairn/blobs` in Cairn's database (migration 0006): `packs` and
 * `pack_entries`. `record` runs one transaction per group commit (the pack's durable length and
 * every new entry together), so the index never names bytes that were not durable first.
 */
export function createPackIndex(db: Kysely<Database>): PackIndex {
  return {
    async lookup(digests: readonly string[]): Promise<Map<string, PackEntry>> {
      const found = new Map<string, PackEntry>();
      for (let i = 0; i < digests.length; i += BATCH) {
        const rows = await db
          .selectFrom("pack_entries")
          .selectAll()
          .where("digest", "in", digests.slice(i, i + BATCH))
          .execute();
        for (const row of rows) found.set(row.digest, toEntry(row));
      }
      return found;
    },

    /**
     * Records that `packId` is durable up to `bytes` and holds `entries`. A digest already indexed
     * keeps its record (the new one is dead weight, reclaimed by compaction); its `written_at` is
     * refreshed, as a re-put refreshes a file's mtime.
     */
    async record(
      packId: string,
      bytes: number,
      entries: ReadonlyArray<Omit<PackEntry, "writtenAt" | "packId">>,
      options: { sealed?: boolean } = {},
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto("packs")
          .values({ id: packId, bytes, sealed: options.sealed ?? false })
          .onConflict((oc) =>
            oc.column("id").doUpdateSet({
              bytes: sql`greatest(packs.bytes, excluded.bytes)`,
              sealed: sql`packs.sealed or excluded.sealed`,
              updated_at: sql`now()`,
            }),
          )
          .execute();
        // Sorted, so two processes' batches lock rows in the same order.
        const rows = [...new Map(entries.map((e) => [e.digest, e])).values()].sort((a, b) =>
          a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0,
        );
        // Array parameters and unnest: one short statement per 5,000 entries (a multi-row VALUES
        // list costs PGlite several times more to parse and bind).
        for (let i = 0; i < rows.length; i += RECORD_BATCH) {
          const slice = rows.slice(i, i + RECORD_BATCH);
          await sql`
            insert into pack_entries (digest, pack_id, "offset", length, size)
            select t.digest, ${packId}, t.off, t.len, t.size
            from unnest(
              ${slice.map((e) => e.digest)}::text[],
              ${slice.map((e) => e.offset)}::bigint[],
              ${slice.map((e) => e.length)}::bigint[],
              ${slice.map((e) => e.size)}::bigint[]
            ) as t(digest, off, len, size)
            on conflict (digest) do update set written_at = now()
          `.execute(trx);
        }
      });
    },

    /**
     * Moves entries still at their `from` record to `to` (compaction), in one transaction with the
     * target pack's durable length. An entry deleted or moved meanwhile is left alone. Returns how
     * many moved.
     */
    async move(packId: string, bytes: number, moves: readonly PackMove[]): Promise<number> {
      return db.transaction().execute(async (trx) => {
        await trx
          .insertInto("packs")
          .values({ id: packId, bytes })
          .onConflict((oc) =>
            oc.column("id").doUpdateSet({
              bytes: sql`greatest(packs.bytes, excluded.bytes)`,
              updated_at: sql`now()`,
            }),
          )
          .execute();
        let moved = 0;
        for (const m of moves) {
          const result = await trx
            .updateTable("pack_entries")
            .set({ pack_id: m.to.packId, offset: m.to.offset, length: m.to.length })
            .where("digest", "=", m.digest)
            .where("pack_id", "=", m.from.packId)
            .where("offset", "=", m.from.offset)
            .executeTakeFirst();
          moved += Number(result.numUpdatedRows);
        }
        return moved;
      });
    },

    async remove(digests: readonly string[]): Promise<void> {
      for (let i = 0; i < digests.length; i += BATCH) {
        await db
          .deleteFrom("pack_entries")
          .where("digest", "in", digests.slice(i, i + BATCH))
          .execute();
      }
    },

    /** Entries in digest order after `after`, `limit` at a time. */
    async page(after: string, limit: number): Promise<PackEntry[]> {
      const rows = await db
        .selectFrom("pack_entries")
        .selectAll()
        .where("digest", ">", after)
        .orderBy("digest")
        .limit(limit)
        .execute();
      return rows.map(toEntry);
    },

    /** Live entries of one pack, in offset order. */
    async entriesOf(packId: string): Promise<PackEntry[]> {
      const rows = await db
        .selectFrom("pack_entries")
        .selectAll()
        .where("pack_id", "=", packId)
        .orderBy("offset")
        .execute();
      return rows.map(toEntry);
    },

    /** Every pack with its live bytes and entries. */
    async packs(): Promise<PackStats[]> {
      const rows = await db
        .selectFrom("packs as p")
        .leftJoin("pack_entries as e", "e.pack_id", "p.id")
        .select([
          "p.id",
          "p.bytes",
          "p.sealed",
          "p.updated_at",
          sql<string | number>`coalesce(sum(e.length), 0)`.as("live_bytes"),
          sql<string | number>`count(e.digest)`.as("live_count"),
        ])
        .groupBy(["p.id", "p.bytes", "p.sealed", "p.updated_at"])
        .execute();
      return rows.map((r) => ({
        packId: r.id,
        bytes: toSafeNumber(r.bytes),
        sealed: r.sealed,
        updatedAt: r.updated_at,
        liveBytes: toSafeNumber(r.live_bytes),
        liveCount: toSafeNumber(r.live_count),
      }));
    },

    async seal(packId: string): Promise<void> {
      await db.updateTable("packs").set({ sealed: true }).where("id", "=", packId).execute();
    },

    /** Deletes the pack's row when no entry points into it any more; true when deleted. */
    async dropPack(packId: string): Promise<boolean> {
      const result = await db
        .deleteFrom("packs")
        .where("id", "=", packId)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom("pack_entries").select("digest").where("pack_id", "=", packId))),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /** True when a row exists for the pack (an object without one is an orphan). */
    async packExists(packId: string): Promise<boolean> {
      const row = await db
        .selectFrom("packs")
        .select("id")
        .where("id", "=", packId)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
