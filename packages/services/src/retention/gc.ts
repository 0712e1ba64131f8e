import { type CompactResult, isPackedStore } from "@cairn/blobs";
import type { Database } from "@cairn/db";
import { type Kysely, type RawBuilder, sql } from "kysely";
import { nowOf, type ServiceDeps, silentLogger } from "../deps.js";

/** Blob rows examined (and deleted) per transaction. */
const BATCH = 1000;

/** What one GC sweep did. */
export interface BlobGcResult {
  /** Pending upload sessions past their expiry, marked `expired` (multipart uploads aborted). */
  sessionsExpired: number;
  /** Unreferenced blobs deleted (row, owners and bytes). */
  blobsDeleted: number;
  /** Plaintext bytes those blobs held. */
  bytesFreed: number;
  /** Stored objects without any `blobs` row (abandoned uploads), deleted. */
  orphansDeleted: number;
  /** Packed stores only: one-file-per-blob blobs moved into packs by this sweep. */
  blobsRepacked: number;
  /** Packed stores only: the compaction that reclaimed the deleted blobs' pack bytes. */
  compaction: CompactResult | null;
  /** Temporary files and multipart directories left by killed writes, removed. */
  temporariesRemoved: number;
}

/**
 * Temporaries younger than this are never swept: a live upload (a multipart upload may take its
 * session's whole hour) is always younger. Twice the upload-URL lifetime (3,600 s).
 */
export const TEMPORARY_MAX_AGE_MS = 2 * 3600 * 1000;

/**
 * Removes what killed writes left in the blob store's temporary area (see
 * `BlobStore.sweepTemporary`), older than {@link TEMPORARY_MAX_AGE_MS}. Run at start-up and by GC.
 */
export async function sweepTemporaries(deps: Pick<ServiceDeps, "blobs" | "now">): Promise<number> {
  const olderThan = new Date(nowOf(deps).getTime() - TEMPORARY_MAX_AGE_MS);
  return (await deps.blobs.sweepTemporary?.(olderThan)) ?? 0;
}

/** Loose small blobs moved into packs per sweep, so one sweep of a huge old store stays bounded. */
const REPACK_PER_SWEEP = 100_000;

/**
 * Why a blob is still needed at `now`: a committed version's manifest lists it, an open or
 * finishing draft holds it in its merged entries or in an upsert not merged yet, or an upload
 * session for it is still pending (a client is uploading it for a commit in progress).
 */
function referenced(digest: RawBuilder<unknown>, now: Date): RawBuilder<boolean> {
  return sql<boolean>`(
    exists (select 1 from manifest_entries me join versions v on v.manifest_id = me.manifest_id
      where me.digest = ${digest} and me.ref is null and v.state = 'committed')
    or exists (select 1 from draft_entries de join drafts d on d.id = de.draft_id
      where de.digest = ${digest} and de.ref is null and d.status in ('open', 'finishing'))
    or exists (select 1 from draft_upserts du join drafts d on d.id = du.draft_id
      where du.state = 'accepted' and d.status in ('open', 'finishing')
        and du.entries @> jsonb_build_array(jsonb_build_object('digest', ${digest}::text)))
    or exists (select 1 from upload_sessions us
      where us.digest = ${digest} and us.state = 'pending' and us.expires_at > ${now}))`;
}

/**
 * The `blob-gc` job. Deletes blobs nothing references (see {@link referenced}) that are older than
 * `graceMs` — by row (`created_at`, `last_referenced_at`) and, for objects without a row, by the
 * store's modification time — so bytes uploaded a moment ago for a commit still being assembled
 * are never taken. Rows go first, each batch re-checked inside its delete, then the bytes: a crash
 * in between leaves only an orphan object, which the next sweep removes.
 */
export async function collectGarbage(
  deps: ServiceDeps,
  payload: { graceMs: number },
): Promise<BlobGcResult> {
  const now = nowOf(deps);
  const cutoff = new Date(now.getTime() - payload.graceMs);
  const result: BlobGcResult = {
    sessionsExpired: 0,
    blobsDeleted: 0,
    bytesFreed: 0,
    orphansDeleted: 0,
    blobsRepacked: 0,
    compaction: null,
    temporariesRemoved: 0,
  };
  result.sessionsExpired = await expireSessions(deps, now);
  result.temporariesRemoved = await sweepTemporaries(deps);

  let after = "";
  for (;;) {
    const candidates = await deps.db
      .selectFrom("blobs as b")
      .select("b.digest")
      .where("b.digest", ">", after)
      .where(sql<boolean>`greatest(b.created_at, b.last_referenced_at) < ${cutoff}`)
      .where(({ not }) => not(referenced(sql.ref("b.digest"), now)))
      .orderBy("b.digest")
      .limit(BATCH)
      .execute();
    if (candidates.length === 0) break;
    after = candidates[candidates.length - 1]?.digest ?? after;
    const deleted = await deleteRows(
      deps.db,
      candidates.map((c) => c.digest),
      cutoff,
      now,
    );
    for (const row of deleted) {
      await deps.blobs.delete(row.digest);
      result.blobsDeleted += 1;
      result.bytesFreed += Number(row.size);
    }
    if (candidates.length < BATCH) break;
  }
  result.orphansDeleted = await deleteOrphans(deps, cutoff, now);
  if (isPackedStore(deps.blobs)) {
    // Garbage collection by compaction: the rows and index entries are gone, now the pack bytes.
    // Packs touched within the grace period are left alone (see compactPacks).
    result.blobsRepacked = (await deps.blobs.packs.repack({ limit: REPACK_PER_SWEEP })).blobsPacked;
    result.compaction = await deps.blobs.packs.compact({ graceMs: payload.graceMs, now });
  }
  return result;
}

/** Deletes the rows (owners cascade) that are still unreferenced now, inside one transaction. */
async function deleteRows(db: Kysely<Database>, digests: string[], cutoff: Date, now: Date) {
  return db.transaction().execute((trx) =>
    trx
      .deleteFrom("blobs as b")
      .where("b.digest", "in", digests)
      .where(sql<boolean>`greatest(b.created_at, b.last_referenced_at) < ${cutoff}`)
      .where(({ not }) => not(referenced(sql.ref("b.digest"), now)))
      .returning(["b.digest", "b.size"])
      .execute(),
  );
}

async function expireSessions(deps: ServiceDeps, now: Date): Promise<number> {
  const expired = await deps.db
    .updateTable("upload_sessions")
    .set({ state: "expired" })
    .where("state", "=", "pending")
    .where("expires_at", "<=", now)
    .returning(["digest", "multipart_upload_id"])
    .execute();
  for (const session of expired) {
    if (session.multipart_upload_id === null) continue;
    // Frees the uploaded parts; a multipart upload the bucket already forgot is not an error.
    await deps.blobs
      .abortMultipart(session.digest, session.multipart_upload_id)
      .catch((error: unknown) => {
        (deps.logger ?? silentLogger).warn(
          { err: error, digest: session.digest },
          "could not abort an expired multipart upload",
        );
      });
  }
  return expired.length;
}

/** Stored objects with no row, older than the cutoff and not being uploaded: abandoned uploads. */
async function deleteOrphans(deps: ServiceDeps, cutoff: Date, now: Date): Promise<number> {
  const old: string[] = [];
  for await (const info of deps.blobs.list()) {
    if (info.modifiedAt.getTime() < cutoff.getTime()) old.push(info.digest);
  }
  let deleted = 0;
  for (let i = 0; i < old.length; i += BATCH) {
    const batch = old.slice(i, i + BATCH);
    const rows = await deps.db
      .selectFrom("blobs")
      .select("digest")
      .where("digest", "in", batch)
      .execute();
    const sessions = await deps.db
      .selectFrom("upload_sessions")
      .select("digest")
      .where("digest", "in", batch)
      .where("state", "=", "pending")
      .where("expires_at", ">", now)
      .execute();
    const keep = new Set([...rows, ...sessions].map((r) => r.digest));
    for (const digest of batch) {
      if (keep.has(digest)) continue;
      await deps.blobs.delete(digest);
      deleted += 1;
    }
  }
  return deleted;
}
