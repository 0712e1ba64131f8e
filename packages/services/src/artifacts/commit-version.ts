import {
  assertSameType,
  assertVersionFieldLimits,
  CairnError,
  computeVersionDigest,
  DEFAULT_LIMITS,
  decideAccess,
  effectiveExpiry,
  formatVersionAlias,
  type Limits,
  type ManifestEntry,
  normalizeEntryPath,
  PathConflictChecker,
  planAliasMoves,
  sortEntries,
  type TtlSetting,
  VersionDigestBuilder,
  validateArtifactName,
  validateArtifactType,
  validateTag,
} from "@cairn/core";
import type { Database, JsonObject } from "@cairn/db";
import { insertManifestEntries } from "@cairn/db";
import { type Kysely, sql, type Transaction } from "kysely";
import { type AuditRecord, recordAudit } from "../audit.js";
import { possessionEntities, referenceableDigests } from "../blobs/possession.js";
import { emitEvents } from "../events/emit.js";
import { nodeSha256 } from "../node-hasher.js";
import type { AccessibleProject } from "../projects/access.js";

type Db = Kysely<Database> | Transaction<Database>;

/** Where a commit's entries come from: inline (a log) or a draft (parallel upserts, big logs). */
export type CommitSource =
  | { kind: "entries"; entries: readonly ManifestEntry[] }
  | { kind: "draft"; draftId: string };

/** Everything a commit needs; validated here, so callers pass user input through unchanged. */
export interface CommitRequest {
  project: AccessibleProject;
  actorId: string | null;
  name: string;
  type: string;
  description?: string | null | undefined;
  metadata?: JsonObject | undefined;
  tags?: readonly string[] | undefined;
  ttl?: TtlSetting | undefined;
  aliases?: readonly string[] | undefined;
  /** Runs that logged it (lineage "logged" edges); the first is recorded as `created_by_run`. */
  runIds?: readonly string[] | undefined;
  source: CommitSource;
  now: Date;
  /** Size limits of metadata, description and tags (core's defaults when absent). */
  limits?: Limits | undefined;
}

/** The outcome: the version the contents resolved to, and whether this commit created it. */
export interface CommitResult {
  versionId: string;
  number: number;
  created: boolean;
}

const FILE_DIGEST = /^[0-9a-f]{64}$/;
const DRAFT_PAGE = 10_000;
const OWNER_CHECK_BATCH = 5_000;

/**
 * Commits contents as a version of an artifact — the heart of Cairn. Must run inside a transaction
 * (`db.transaction().execute(trx => commitVersion(trx, …))`):
 * 1. creates the collection on first log, locks its row (`for update`) so concurrent commits to one
 *    artifact take turns, and refuses a name held by another type;
 * 2. computes the version digest from the entries only (metadata never changes it);
 * 3. checks every stored file's blob belongs to the project's entity (no committing bytes you
 *    never uploaded — that would turn dedup into an oracle);
 * 4. identical digest → the existing version; else the next number (never reused) and a
 *    content-addressed manifest shared by every version with the same contents;
 * 5. moves `latest` and the requested aliases (protected ones only for admins), audit-logged;
 * 6. records the "logged by" lineage edges.
 */
export async function commitVersion(trx: Db, req: CommitRequest): Promise<CommitResult> {
  const name = validateArtifactName(req.name);
  const type = validateArtifactType(req.type);
  assertVersionFieldLimits(req, req.limits ?? DEFAULT_LIMITS);
  const tags = [...new Set((req.tags ?? []).map(validateTag))];
  const { project } = req;
  const owners = possessionEntities(req.actorId, project);

  await trx
    .insertInto("collections")
    .values({ project_id: project.id, name, type })
    .onConflict((oc) => oc.columns(["project_id", "name"]).doNothing())
    .execute();
  const collection = await trx
    .selectFrom("collections")
    .select(["id", "type", "next_version_number", "default_ttl_ms"])
    .where("project_id", "=", project.id)
    .where("name", "=", name)
    .forUpdate()
    .executeTakeFirstOrThrow();
  assertSameType({ name, existingType: collection.type, requestedType: type });

  const contents =
    req.source.kind === "entries"
      ? await inlineContents(trx, owners, project.id, req.source.entries)
      : await draftContents(trx, owners, project.id, req.source.draftId);

  await assertRunsExist(trx, project.id, req.runIds ?? []);

  const existing = await trx
    .selectFrom("versions")
    .select(["id", "number"])
    .where("collection_id", "=", collection.id)
    .where("digest", "=", contents.digest)
    .where("state", "=", "committed")
    .executeTakeFirst();

  let result: CommitResult;
  if (existing) {
    result = { versionId: existing.id, number: existing.number, created: false };
  } else {
    const manifestId = await ensureManifest(trx, contents, req.source);
    const number = collection.next_version_number;
    await trx
      .updateTable("collections")
      .set({ next_version_number: number + 1 })
      .where("id", "=", collection.id)
      .execute();
    const ttl = req.ttl ?? { kind: "inherit" as const };
    const expiresAt = effectiveExpiry({
      versionTtl: ttl,
      collectionDefaultTtl:
        collection.default_ttl_ms === null
          ? null
          : { kind: "duration", ms: Number(collection.default_ttl_ms) },
      createdAt: req.now,
    });
    const inserted = await trx
      .insertInto("versions")
      .values({
        collection_id: collection.id,
        number,
        digest: contents.digest,
        manifest_id: manifestId,
        description: req.description ?? null,
        metadata: JSON.stringify(req.metadata ?? {}),
        tags,
        ttl_policy: ttl.kind,
        ttl_ms: ttl.kind === "duration" ? ttl.ms : null,
        expires_at: expiresAt,
        size: contents.totalSize,
        file_count: contents.count,
        created_by_run: req.runIds?.[0] ?? null,
        created_at: req.now,
        updated_at: req.now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    result = { versionId: inserted.id, number, created: true };
    await emitEvents(trx, { projectId: project.id, actorId: req.actorId, now: req.now }, [
      { kind: "version.created", name, type, version: { number, digest: contents.digest } },
    ]);
  }

  await applyAliasMoves(trx, {
    project,
    collectionId: collection.id,
    collectionName: name,
    target: result,
    requested: req.aliases ?? [],
    addLatest: true,
    actorId: req.actorId,
  });

  for (const runId of new Set(req.runIds ?? [])) {
    await trx
      .insertInto("run_logged_version")
      .values({ project_id: project.id, run_id: runId, version_id: result.versionId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  return result;
}

/** Input of {@link applyAliasMoves}. */
export interface AliasMoveRequest {
  project: AccessibleProject;
  collectionId: string;
  collectionName: string;
  target: { versionId: string; number: number };
  requested: readonly string[];
  addLatest: boolean;
  actorId: string | null;
}

/**
 * Points `requested` aliases (and `latest` when asked) at the target version, moving them from
 * wherever they were. Aliases the project protects need `manage_protected_aliases` (admins).
 * Every move is audit-logged in the same transaction.
 */
export async function applyAliasMoves(trx: Db, req: AliasMoveRequest): Promise<void> {
  const currentRows = await trx
    .selectFrom("aliases")
    .innerJoin("versions", "versions.id", "aliases.version_id")
    .select(["aliases.alias", "versions.number"])
    .where("aliases.collection_id", "=", req.collectionId)
    .execute();
  const current = new Map(currentRows.map((r) => [r.alias, r.number]));
  const moves = planAliasMoves({
    current,
    target: req.target.number,
    requested: req.requested,
    addLatest: req.addLatest,
  });
  if (moves.length === 0) return;
  assertMayMoveAliases(
    req.project,
    moves.map((m) => m.alias),
  );
  const audit: AuditRecord[] = [];
  for (const move of moves) {
    await trx
      .insertInto("aliases")
      .values({
        collection_id: req.collectionId,
        alias: move.alias,
        version_id: req.target.versionId,
      })
      .onConflict((oc) =>
        oc
          .columns(["collection_id", "alias"])
          .doUpdateSet({ version_id: req.target.versionId, updated_at: sql`now()` }),
      )
      .execute();
    audit.push({
      actorId: req.actorId,
      projectId: req.project.id,
      action: move.from === undefined ? "alias.set" : "alias.move",
      collection: req.collectionName,
      alias: move.alias,
      fromVersion: move.from === undefined ? null : formatVersionAlias(move.from),
      toVersion: formatVersionAlias(move.to),
    });
  }
  await recordAudit(trx, audit);
}

/** Refuses (FORBIDDEN) moving a protected alias without `manage_protected_aliases`. */
export function assertMayMoveAliases(project: AccessibleProject, aliases: readonly string[]): void {
  const protectedOnes = aliases.filter((a) => project.protectedAliases.includes(a));
  if (protectedOnes.length === 0) return;
  const decision = decideAccess({
    visibility: project.visibility,
    role: project.role,
    action: "manage_protected_aliases",
  });
  if (!decision.allowed) {
    throw new CairnError(
      "FORBIDDEN",
      `Alias ${protectedOnes.map((a) => `"${a}"`).join(", ")} is protected in project ${project.entityName}/${project.name}: only admins may set or move it. Ask an admin, or use another alias.`,
      { details: { aliases: protectedOnes } },
    );
  }
}

interface Contents {
  digest: string;
  count: number;
  totalSize: number;
  /** Sorted entries for inline sources (draft sources stay in SQL). */
  sorted?: ManifestEntry[];
}

async function inlineContents(
  trx: Db,
  owners: readonly string[],
  projectId: string,
  entries: readonly ManifestEntry[],
): Promise<Contents> {
  for (const entry of entries) assertEntryShape(entry);
  const sorted = sortEntries(entries);
  assertNoConflicts(sorted);
  const digest = computeVersionDigest(sorted, nodeSha256);
  const fileDigests = [...new Set(sorted.filter((e) => e.ref === undefined).map((e) => e.digest))];
  const have = await referenceableDigests(trx, owners, projectId, fileDigests);
  if (have.size !== fileDigests.length) {
    const missing = sorted.filter((e) => e.ref === undefined && !have.has(e.digest)).slice(0, 5);
    throw notUploaded(missing.map((e) => e.path));
  }
  // The caller may read these blobs, so their sizes are no secret to it: a declared size must
  // be the stored one (a version reporting 1 byte for 5,000 would fool `cairn verify`).
  const declared = new Map(
    sorted.filter((e) => e.ref === undefined).map((e) => [e.digest, e] as const),
  );
  for (let i = 0; i < fileDigests.length; i += OWNER_CHECK_BATCH) {
    const rows = await trx
      .selectFrom("blobs")
      .select(["digest", "size"])
      .where("digest", "in", fileDigests.slice(i, i + OWNER_CHECK_BATCH))
      .execute();
    for (const row of rows) {
      const entry = declared.get(row.digest);
      if (entry && Number(row.size) !== entry.size)
        throw sizeMismatch(entry.path, entry.size, row.size);
    }
  }
  for (const entry of sorted) {
    if (entry.ref === undefined && declared.get(entry.digest)?.size !== entry.size) {
      throw sizeMismatch(entry.path, entry.size, declared.get(entry.digest)?.size ?? null);
    }
  }
  // Touching the blob rows locks them until this commit ends, and moves them out of blob GC's
  // reach: a concurrent GC delete waits, then re-checks `last_referenced_at` and skips them.
  for (let i = 0; i < fileDigests.length; i += OWNER_CHECK_BATCH) {
    await trx
      .updateTable("blobs")
      .set({ last_referenced_at: sql`now()` })
      .where("digest", "in", fileDigests.slice(i, i + OWNER_CHECK_BATCH))
      .execute();
  }
  const totalSize = sorted.reduce((sum, e) => sum + (e.size ?? 0), 0);
  return { digest, count: sorted.length, totalSize, sorted };
}

async function draftContents(
  trx: Db,
  owners: readonly string[],
  projectId: string,
  draftId: string,
): Promise<Contents> {
  const builder = new VersionDigestBuilder(nodeSha256);
  const conflicts = new PathConflictChecker();
  let totalSize = 0;
  for await (const page of draftEntryPages(trx, draftId)) {
    for (const row of page) {
      const entry = entryOfRow(row);
      conflicts.add(entry.path);
      builder.add(entry);
      totalSize += entry.size ?? 0;
    }
  }
  if (builder.count === 0) {
    throw new CairnError(
      "DRAFT_EMPTY",
      "This draft has no entries: upsert files before finishing it.",
    );
  }
  const missing = await trx
    .selectFrom("draft_entries as de")
    .select("de.path")
    .where("de.draft_id", "=", draftId)
    .where("de.ref", "is", null)
    .where(({ not, exists, selectFrom, or }) =>
      not(
        or([
          exists(
            selectFrom("blob_owners as bo")
              .select("bo.digest")
              .whereRef("bo.digest", "=", "de.digest")
              .where("bo.entity_id", "in", owners.length > 0 ? [...owners] : [""]),
          ),
          exists(
            selectFrom("manifest_entries as me")
              .innerJoin("versions as v", "v.manifest_id", "me.manifest_id")
              .innerJoin("collections as c", "c.id", "v.collection_id")
              .select("me.digest")
              .whereRef("me.digest", "=", "de.digest")
              .where("me.ref", "is", null)
              .where("v.state", "=", "committed")
              .where("c.project_id", "=", projectId),
          ),
        ]),
      ),
    )
    .limit(5)
    .execute();
  if (missing.length > 0) throw notUploaded(missing.map((m) => m.path));
  const wrongSize = await trx
    .selectFrom("draft_entries as de")
    .innerJoin("blobs as b", "b.digest", "de.digest")
    .select(["de.path", "de.size", "b.size as stored"])
    .where("de.draft_id", "=", draftId)
    .where("de.ref", "is", null)
    .whereRef("de.size", "<>", "b.size")
    .limit(1)
    .executeTakeFirst();
  if (wrongSize) throw sizeMismatch(wrongSize.path, wrongSize.size, wrongSize.stored);
  // Lock and refresh the referenced blob rows (see inlineContents) so GC cannot race the commit.
  await sql`update blobs set last_referenced_at = now()
    where digest in (select digest from draft_entries where draft_id = ${draftId} and ref is null)`.execute(
    trx,
  );
  return { digest: builder.digest(), count: builder.count, totalSize };
}

/** The SQL cursor {@link draftEntryPages} reads through (one per transaction at a time). */
const DRAFT_CURSOR = sql.raw("cairn_draft_entries");

/**
 * A draft's entries in path order, `DRAFT_PAGE` rows at a time, through ONE server-side cursor
 * (`declare … cursor` / `fetch`, which PGlite supports too), so a million-entry draft is scanned
 * once. Keyset pages (`path > last order by path limit n`) were quadratic here: the freshly filled
 * `draft_entries` has no statistics, so each page bitmap-scanned and top-N-sorted every remaining
 * row (35 s of a 1M-entry commit on PGlite). A cursor is also planned for a fast start, which
 * picks the primary key's index order instead of sorting. Must run inside a transaction.
 */
async function* draftEntryPages(trx: Db, draftId: string): AsyncGenerator<EntryRow[]> {
  await sql`declare ${DRAFT_CURSOR} no scroll cursor for
    select path, digest, size, ref, extra from draft_entries
    where draft_id = ${draftId} order by path collate "C"`.execute(trx);
  for (;;) {
    const page =
      await sql<EntryRow>`fetch forward ${sql.raw(String(DRAFT_PAGE))} from ${DRAFT_CURSOR}`.execute(
        trx,
      );
    if (page.rows.length > 0) yield page.rows;
    if (page.rows.length < DRAFT_PAGE) break;
  }
  // Closed only after a full read: on an error the caller's transaction rolls back, which closes
  // the cursor anyway (and a `close` in an aborted transaction would hide the real error).
  await sql`close ${DRAFT_CURSOR}`.execute(trx);
}

interface EntryRow {
  path: string;
  digest: string;
  size: number | null;
  ref: string | null;
  extra: unknown;
}

/** A manifest entry from a `draft_entries` / `manifest_entries` row. */
export function entryOfRow(row: {
  path: string;
  digest: string;
  size: number | null;
  ref: string | null;
  extra: unknown;
}): ManifestEntry {
  const entry: ManifestEntry = {
    path: row.path,
    digest: row.digest,
    size: row.size === null ? null : Number(row.size),
  };
  if (row.ref !== null) entry.ref = row.ref;
  if (
    row.extra !== null &&
    row.extra !== undefined &&
    Object.keys(row.extra as object).length > 0
  ) {
    entry.extra = row.extra as NonNullable<ManifestEntry["extra"]>;
  }
  return entry;
}

async function ensureManifest(trx: Db, contents: Contents, source: CommitSource): Promise<number> {
  const found = await trx
    .selectFrom("manifests")
    .select("id")
    .where("digest", "=", contents.digest)
    .executeTakeFirst();
  if (found) return Number(found.id);
  const inserted = await trx
    .insertInto("manifests")
    .values({
      digest: contents.digest,
      entry_count: contents.count,
      total_size: contents.totalSize,
    })
    .onConflict((oc) => oc.column("digest").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) {
    // Another transaction committed the same contents first: its manifest is complete.
    const again = await trx
      .selectFrom("manifests")
      .select("id")
      .where("digest", "=", contents.digest)
      .executeTakeFirstOrThrow();
    return Number(again.id);
  }
  const manifestId = Number(inserted.id);
  if (source.kind === "entries") {
    await insertManifestEntries(trx, manifestId, contents.sorted ?? []);
  } else {
    await sql`insert into manifest_entries (manifest_id, path, digest, size, ref, extra)
      select ${manifestId}, path, digest, size, ref, extra from draft_entries where draft_id = ${source.draftId}`.execute(
      trx,
    );
  }
  return manifestId;
}

async function assertRunsExist(
  trx: Db,
  projectId: string,
  runIds: readonly string[],
): Promise<void> {
  const unique = [...new Set(runIds)];
  if (unique.length === 0) return;
  const rows = await trx
    .selectFrom("runs")
    .select("id")
    .where("project_id", "=", projectId)
    .where("id", "in", unique)
    .execute();
  if (rows.length !== unique.length) {
    const have = new Set(rows.map((r) => r.id));
    const missing = unique.filter((id) => !have.has(id));
    throw new CairnError(
      "NOT_FOUND",
      `Run ${missing.join(", ")} does not exist in this project: start it with runs.init (cairn.init) before logging artifacts from it.`,
      { details: { runIds: missing } },
    );
  }
}

/** Checks one entry beyond its zod shape: a normalised path, and a SHA-256 for stored files. */
export function assertEntryShape(entry: ManifestEntry): void {
  const normalized = normalizeEntryPath(entry.path);
  if (normalized !== entry.path) {
    throw new CairnError(
      "INVALID_PATH",
      `Entry path "${entry.path}" is not normalised (expected "${normalized}"): send paths in normalised POSIX form.`,
      { details: { path: entry.path, expected: normalized } },
    );
  }
  if (entry.ref === undefined && !FILE_DIGEST.test(entry.digest)) {
    throw new CairnError(
      "INVALID_DIGEST",
      `Entry "${entry.path}" is a stored file, so its digest must be the 64-hex SHA-256 of its bytes; got "${entry.digest}".`,
      { details: { path: entry.path } },
    );
  }
  if (entry.ref === undefined && entry.size === null) {
    throw new CairnError(
      "INVALID_MANIFEST",
      `Entry "${entry.path}" is a stored file: its size is required.`,
    );
  }
}

function notUploaded(paths: readonly string[]): CairnError {
  return new CairnError(
    "INVALID_MANIFEST",
    `The bytes of ${paths.map((p) => `"${p}"`).join(", ")} were not uploaded by you (or by this project's entity, if you are a member): call blobs.missing and upload what it lists before committing (the client does this for you).`,
    { details: { paths } },
  );
}

function sizeMismatch(
  path: string,
  declared: number | null,
  stored: number | string | null,
): CairnError {
  return new CairnError(
    "INVALID_MANIFEST",
    `Entry "${path}" declares ${declared} bytes, but its blob (which you uploaded or may read) has ${stored === null ? "another size" : Number(stored)}: send each file's real size.`,
    { details: { path, declared, stored: stored === null ? null : Number(stored) } },
  );
}

/** Refuses a file and a directory of the same path (INVALID_PATH naming both). */
function assertNoConflicts(sorted: readonly ManifestEntry[]): void {
  const checker = new PathConflictChecker();
  for (const entry of sorted) checker.add(entry.path);
}
