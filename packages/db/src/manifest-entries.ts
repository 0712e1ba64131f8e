import { CairnError, MAX_MANIFEST_PAGE, type ManifestEntry } from "@cairn/core";
import { CompiledQuery, type Kysely, sql } from "kysely";
import { executeCoalescedRead } from "./coalesced-reads.js";
import { preparedStatement } from "./prepared-statements.js";
import type { Database } from "./schema.js";

/**
 * Rows per `INSERT … SELECT FROM unnest(…)`: one round trip per 1,000 entries keeps a 100,000-entry
 * manifest at ~0.5 s on both engines (row-by-row inserts took 13–17 s; STACK.md).
 */
export const MANIFEST_INSERT_BATCH = 1000;

/** Largest page `pageManifestEntries` returns (core's wire contract). */
export { MAX_MANIFEST_PAGE };

/** A handle that can run queries: a `Kysely<Database>` or a transaction of it. */
export type Queryable = Kysely<Database>;

/**
 * Inserts a manifest's entries in batches of {@link MANIFEST_INSERT_BATCH}, each a single
 * `INSERT … SELECT * FROM unnest($paths::text[], …)` (five array parameters, whatever the batch
 * size). Accepts any (async) iterable, so a million entries can stream from a generator. Call it
 * inside the transaction that creates the `manifests` row. Returns the number of entries inserted.
 * A path repeated in the input fails with the primary key violation (manifests are validated
 * before they get here).
 */
export async function insertManifestEntries(
  db: Queryable,
  manifestId: number,
  entries: Iterable<ManifestEntry> | AsyncIterable<ManifestEntry>,
): Promise<number> {
  let batch: ManifestEntry[] = [];
  let total = 0;
  for await (const entry of entries) {
    batch.push(entry);
    if (batch.length === MANIFEST_INSERT_BATCH) {
      total += await insertBatch(db, manifestId, batch);
      batch = [];
    }
  }
  if (batch.length > 0) total += await insertBatch(db, manifestId, batch);
  return total;
}

async function insertBatch(
  db: Queryable,
  manifestId: number,
  batch: readonly ManifestEntry[],
): Promise<number> {
  const paths: string[] = [];
  const digests: string[] = [];
  const sizes: (number | null)[] = [];
  const refs: (string | null)[] = [];
  // jsonb travels as text and is cast in SQL: a JS object inside an array parameter is not
  // serialised the same way by `pg` and PGlite.
  const extras: (string | null)[] = [];
  for (const entry of batch) {
    paths.push(entry.path);
    digests.push(entry.digest);
    sizes.push(entry.size);
    refs.push(entry.ref ?? null);
    extras.push(entry.extra === undefined ? null : JSON.stringify(entry.extra));
  }
  const result = await sql`
    insert into manifest_entries (manifest_id, path, digest, size, ref, extra)
    select ${manifestId}::bigint, t.path, t.digest, t.size, t.ref, t.extra::jsonb
    from unnest(${paths}::text[], ${digests}::text[], ${sizes}::bigint[], ${refs}::text[], ${extras}::text[])
      as t(path, digest, size, ref, extra)
  `.execute(db);
  return Number(result.numAffectedRows ?? BigInt(batch.length));
}

/**
 * Stores a manifest by digest, content-addressed: the first caller inserts the `manifests` row and
 * its entries (and their count and total size); any later caller with the same digest gets the
 * existing id and inserts nothing, so identical versions share one manifest. Runs in `db`'s
 * transaction, or opens one, so a manifest is never visible with part of its entries. Two
 * concurrent callers serialise on the digest's unique index: the second waits for the first
 * to commit, then reuses its row.
 */
export async function storeManifest(
  db: Queryable,
  digest: string,
  entries: Iterable<ManifestEntry> | AsyncIterable<ManifestEntry>,
): Promise<{ id: number; created: boolean }> {
  const body = async (trx: Queryable) => {
    const inserted = await trx
      .insertInto("manifests")
      .values({ digest })
      .onConflict((oc) => oc.column("digest").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) {
      const existing = await trx
        .selectFrom("manifests")
        .select("id")
        .where("digest", "=", digest)
        .executeTakeFirstOrThrow();
      return { id: existing.id, created: false };
    }
    let totalSize = 0;
    async function* counted() {
      for await (const entry of entries) {
        totalSize += entry.size ?? 0;
        yield entry;
      }
    }
    const count = await insertManifestEntries(trx, inserted.id, counted());
    await trx
      .updateTable("manifests")
      .set({ entry_count: count, total_size: totalSize })
      .where("id", "=", inserted.id)
      .execute();
    return { id: inserted.id, created: true };
  };
  return db.isTransaction ? body(db) : db.transaction().execute(body);
}

/** One page of a manifest and where the next one starts. */
export interface ManifestPage {
  entries: ManifestEntry[];
  /** Pass as `after` for the next page; `null` when this was the last page. */
  nextAfter: string | null;
}

/**
 * Reads a manifest in path order (byte-wise), `limit` entries after the path `after` (exclusive).
 * Keyset paging on the primary key: page 1,000 of a million-entry manifest costs the same as page 1.
 */
export async function pageManifestEntries(
  db: Queryable,
  manifestId: number,
  options: { after?: string | null; limit: number; prefix?: string },
): Promise<ManifestPage> {
  const { limit } = options;
  const prefix = options.prefix ?? "";
  // With a prefix, the walk starts where the prefix's paths begin (they are contiguous in byte
  // order) and stops at the first path past them: a 10-file folder of a 1M-entry version costs
  // one short index range, not a scan.
  const after =
    prefix !== "" && (options.after == null || options.after < prefix)
      ? null
      : (options.after ?? null);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MANIFEST_PAGE) {
    throw new CairnError(
      "INVALID_INPUT",
      `Manifest page limit must be an integer from 1 to ${MAX_MANIFEST_PAGE}, got ${String(limit)}.`,
    );
  }
  // A row comparison on the whole primary key, not `manifest_id = … and path > …`: with the
  // latter, a manifest the planner has no statistics for yet (every freshly committed one) is
  // estimated at ~30 rows and read by a bitmap scan that fetches and sorts ALL its remaining
  // entries for every page (EXPLAIN: 3 ms for a 10,000-entry manifest, growing with its size).
  // This form plans as an ordered index scan that stops after `limit + 1` rows, before and after
  // ANALYZE (EXPLAIN: 0.05 ms); rows of the next manifest it may reach on the last page are
  // dropped below.
  const first = after === null && prefix !== "";
  // Identical page reads in one event-loop turn share one statement (coalesced-reads.ts).
  const { rows: all } = await executeCoalescedRead<PageRow>(
    db,
    CompiledQuery.raw(first ? PAGE_FROM_PREFIX_SQL : PAGE_AFTER_SQL, [
      manifestId,
      first ? prefix : (after ?? ""),
      // One extra row tells whether another page exists without a count query.
      limit + 1,
    ]),
  );
  const rows = all.filter(
    (row) => Number(row.manifest_id) === manifestId && row.path.startsWith(prefix),
  );
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { entries: page.map(toEntry), nextAfter: more ? (page.at(-1)?.path ?? null) : null };
}

/** A row of the page statements. */
interface PageRow {
  manifest_id: number | bigint;
  path: string;
  digest: string;
  size: number | null;
  ref: string | null;
  extra: Record<string, string | number | boolean | null> | null;
}

const PAGE_COLUMNS = "manifest_id, path, digest, size, ref, extra";
/** A page after a path (exclusive), prepared once per connection (a hot read). */
const PAGE_AFTER_SQL = preparedStatement(
  `select ${PAGE_COLUMNS} from manifest_entries where (manifest_id, path) > ($1, $2) order by manifest_id, path limit $3`,
);
/** The first page of a prefix (inclusive). */
const PAGE_FROM_PREFIX_SQL = preparedStatement(
  `select ${PAGE_COLUMNS} from manifest_entries where (manifest_id, path) >= ($1, $2) order by manifest_id, path limit $3`,
);

/** One entry of a manifest by its exact path, or `undefined`. */
export async function getManifestEntry(
  db: Queryable,
  manifestId: number,
  path: string,
): Promise<ManifestEntry | undefined> {
  const row = await db
    .selectFrom("manifest_entries")
    .select(["path", "digest", "size", "ref", "extra"])
    .where("manifest_id", "=", manifestId)
    .where("path", "=", path)
    .executeTakeFirst();
  return row && toEntry(row);
}

function toEntry(row: {
  path: string;
  digest: string;
  size: number | null;
  ref: string | null;
  extra: Record<string, string | number | boolean | null> | null;
}): ManifestEntry {
  const entry: ManifestEntry = { path: row.path, digest: row.digest, size: row.size };
  if (row.ref !== null) entry.ref = row.ref;
  if (row.extra !== null) entry.extra = row.extra;
  return entry;
}
