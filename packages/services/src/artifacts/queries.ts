import {
  CairnError,
  formatDuration,
  type ManifestEntry,
  parseReference,
  qualifyReference,
  validateArtifactName,
} from "@cairn/core";
import { type Database, getManifestEntry, pageManifestEntries, toSafeNumber } from "@cairn/db";
import { type Kysely, sql } from "kysely";
import type { Actor } from "../actor.js";
import { type BundleDownloadTarget, createBundleDownloads } from "../blobs/bundle-download.js";
import { limitsOf, type ServiceDeps } from "../deps.js";
import type { ArtifactSelectorInput } from "../inputs.js";
import { resolveProject } from "../projects/access.js";
import { entryOfRow } from "./commit-version.js";
import {
  type AuditInput,
  DEFAULT_DIFF_ROWS,
  DEFAULT_LIST_PAGE,
  DEFAULT_MANIFEST_PAGE,
  type DiffInput,
  type EntryInput,
  type FileUrlsInput,
  type ListCollectionsInput,
  type ListVersionsInput,
  type ManifestInput,
  type StorageInput,
} from "./inputs.js";
import {
  findCollection,
  type ResolvedVersion,
  resolveVersionInOneQuery,
} from "./resolve-version.js";
import { loadVersionInfos, type VersionInfo } from "./version-info.js";

/** One artifact (collection) of a project as listings describe it. */
export interface CollectionSummary {
  name: string;
  type: string;
  description: string | null;
  /** Committed (not deleted) versions. */
  versionCount: number;
  /** Number of the version `latest` points at, if any. */
  latest?: number;
  /** Default TTL of its versions (`30d`…), null when versions never expire by default. */
  defaultTtl: string | null;
  /** Last change of any of its versions (or its creation). */
  updatedAt: string;
}

/** One audit-log record as `artifacts.audit` returns it. */
export interface AuditEntry {
  at: string;
  /** Name of the user who acted; null for the system (TTL expiry) or a deleted user. */
  actor: string | null;
  action: string;
  name: string | null;
  alias: string | null;
  fromVersion: string | null;
  toVersion: string | null;
}

/** Turns a download target into the `fileUrls` shape. */
export type DownloadUrlOf = (
  digest: string,
) => Promise<{ url: string; headers: Record<string, string> }>;

const FILE_DIGEST_BATCH = 5000;

/** Opaque cursors: base64url JSON, so clients never build or parse them. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Decodes a cursor from {@link encodeCursor}, checking it with `valid`. */
export function decodeCursor<T>(
  text: string,
  what: string,
  valid: (value: unknown) => value is T,
): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch (cause) {
    throw new CairnError(
      "INVALID_INPUT",
      `Malformed ${what} cursor: pass back \`nextCursor\` exactly as returned.`,
      { cause },
    );
  }
  if (!valid(parsed)) {
    throw new CairnError(
      "INVALID_INPUT",
      `Malformed ${what} cursor: pass back \`nextCursor\` exactly as returned.`,
    );
  }
  return parsed;
}

const isNameCursor = (v: unknown): v is { n: string } =>
  typeof v === "object" && v !== null && typeof (v as { n?: unknown }).n === "string";
const isNumberCursor = (v: unknown): v is { v: number } =>
  typeof v === "object" && v !== null && Number.isSafeInteger((v as { v?: unknown }).v);
const isPathCursor = (v: unknown): v is { p: string } =>
  typeof v === "object" && v !== null && typeof (v as { p?: unknown }).p === "string";

/**
 * Collection summaries of a project (optionally one `name` only), in name order. Counts and the
 * `latest` number come from correlated subqueries, so one query answers a whole page.
 */
export async function collectionSummaries(
  db: Kysely<Database>,
  projectId: string,
  filter: {
    type?: string | undefined;
    after?: string | undefined;
    name?: string | undefined;
    limit: number;
  },
): Promise<CollectionSummary[]> {
  let query = db
    .selectFrom("collections as c")
    .select([
      "c.name",
      "c.type",
      "c.description",
      "c.default_ttl_ms",
      "c.created_at",
      sql<
        number | string
      >`(select count(*) from versions v where v.collection_id = c.id and v.state = 'committed')`.as(
        "version_count",
      ),
      sql<number | null>`(select v.number from aliases a join versions v on v.id = a.version_id
        where a.collection_id = c.id and a.alias = 'latest')`.as("latest"),
      sql<Date | null>`(select max(v.updated_at) from versions v where v.collection_id = c.id)`.as(
        "last_change",
      ),
    ])
    .where("c.project_id", "=", projectId);
  if (filter.type !== undefined) query = query.where("c.type", "=", filter.type);
  if (filter.name !== undefined) query = query.where("c.name", "=", filter.name);
  if (filter.after !== undefined)
    query = query.where(sql<boolean>`c.name collate "C" > ${filter.after}`);
  const rows = await query.orderBy(sql`c.name collate "C"`).limit(filter.limit).execute();
  return rows.map((row) => {
    const lastChange = row.last_change === null ? null : new Date(row.last_change);
    const updatedAt =
      lastChange !== null && lastChange > row.created_at ? lastChange : row.created_at;
    const summary: CollectionSummary = {
      name: row.name,
      type: row.type,
      description: row.description,
      versionCount: toSafeNumber(row.version_count),
      defaultTtl: row.default_ttl_ms === null ? null : formatDuration(Number(row.default_ttl_ms)),
      updatedAt: updatedAt.toISOString(),
    };
    if (row.latest !== null) summary.latest = Number(row.latest);
    return summary;
  });
}

function pageLimit(limit: number | undefined, fallback: number): number {
  return limit ?? fallback;
}

/** A page of a project's artifacts, by name (keyset on the name), optionally of one type. */
export async function listCollections(
  deps: ServiceDeps,
  actor: Actor | null,
  input: ListCollectionsInput,
): Promise<{ collections: CollectionSummary[]; nextCursor: string | null }> {
  const project = await resolveProject(deps.db, actor, input, "read");
  const limit = pageLimit(input.limit, DEFAULT_LIST_PAGE);
  const after =
    input.cursor === undefined
      ? undefined
      : decodeCursor(input.cursor, "collections", isNameCursor).n;
  const rows = await collectionSummaries(deps.db, project.id, {
    type: input.type,
    after,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    collections: page,
    nextCursor: rows.length > limit && last ? encodeCursor({ n: last.name }) : null,
  };
}

/** A page of an artifact's versions, newest first (keyset on the number); deleted ones on request. */
export async function listVersions(
  deps: ServiceDeps,
  actor: Actor | null,
  input: ListVersionsInput,
): Promise<{ versions: VersionInfo[]; nextCursor: string | null }> {
  const project = await resolveProject(deps.db, actor, input, "read");
  const name = validateArtifactName(input.name);
  const collection = await findCollection(deps.db, project.id, name);
  if (!collection) {
    throw new CairnError(
      "NOT_FOUND",
      `Artifact "${name}" does not exist in ${project.entityName}/${project.name}: list artifacts with artifacts.listCollections.`,
    );
  }
  const limit = pageLimit(input.limit, DEFAULT_LIST_PAGE);
  let query = deps.db
    .selectFrom("versions")
    .select(["id", "number"])
    .where("collection_id", "=", collection.id);
  if (!input.includeDeleted) query = query.where("state", "=", "committed");
  if (input.cursor !== undefined) {
    query = query.where("number", "<", decodeCursor(input.cursor, "versions", isNumberCursor).v);
  }
  const rows = await query
    .orderBy("number", "desc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  // Bounded in bytes as well as rows: metadata (only when asked for) can be large, so versions are
  // loaded a few at a time and the page ends once it passes the limit (always at least one).
  const maxBytes = limitsOf(deps).listPageBytes;
  const versions: VersionInfo[] = [];
  let bytes = 0;
  let cut = false;
  for (let i = 0; i < page.length && !cut; i += LIST_LOAD_CHUNK) {
    const chunk = page.slice(i, i + LIST_LOAD_CHUNK);
    for (const info of await loadVersionInfos(
      deps.db,
      chunk.map((r) => r.id),
    )) {
      if (!input.includeMetadata) info.metadata = {};
      const size = JSON.stringify(info).length;
      if (versions.length > 0 && bytes + size > maxBytes) {
        cut = true;
        break;
      }
      versions.push(info);
      bytes += size;
    }
  }
  const last = versions.at(-1);
  const more = cut || rows.length > limit;
  return {
    versions,
    nextCursor: more && last ? encodeCursor({ v: last.number }) : null,
  };
}

/** Versions loaded per query while filling a listVersions page. */
const LIST_LOAD_CHUNK = 20;

/**
 * Resolves `input.ref` (short forms in the input's entity/project; a reference naming another
 * project is authorized against that project) to a readable version with its manifest id, in one
 * round trip.
 */
function resolveRef(
  deps: ServiceDeps,
  actor: Actor | null,
  input: ArtifactSelectorInput,
): Promise<ResolvedVersion> {
  const ref = qualifyReference(parseReference(input.ref), {
    entity: input.entity,
    project: input.project,
  });
  return resolveVersionInOneQuery(deps.db, actor, ref, "read");
}

/** Fetches a version by reference (`artifacts.get`): one SQL statement, access checked. */
export async function getVersion(
  deps: ServiceDeps,
  actor: Actor | null,
  input: ArtifactSelectorInput,
): Promise<VersionInfo> {
  return (await resolveRef(deps, actor, input)).info;
}

/**
 * A page of a version's manifest in byte-wise path order. Keyset paging on (manifest, path): a
 * page deep into a 1,000,000-entry manifest costs the same as the first, and nothing else is loaded.
 */
export async function manifestPage(
  deps: ServiceDeps,
  actor: Actor | null,
  input: ManifestInput,
): Promise<{ entries: ManifestEntry[]; nextCursor: string | null }> {
  if (input.after !== undefined && input.cursor !== undefined) {
    throw new CairnError(
      "INVALID_INPUT",
      "Pass either `after` (a path) or `cursor` (a previous nextCursor), not both.",
    );
  }
  const { manifestId } = await resolveRef(deps, actor, input);
  const after =
    input.cursor === undefined
      ? input.after
      : decodeCursor(input.cursor, "manifest", isPathCursor).p;
  const page = await pageManifestEntries(deps.db, manifestId, {
    after: after ?? null,
    limit: input.limit ?? DEFAULT_MANIFEST_PAGE,
    ...(input.prefix ? { prefix: input.prefix } : {}),
  });
  return {
    entries: page.entries,
    nextCursor: page.nextAfter === null ? null : encodeCursor({ p: page.nextAfter }),
  };
}

/** One entry of a version's manifest by exact path; NOT_FOUND naming the path otherwise. */
export async function getEntry(
  deps: ServiceDeps,
  actor: Actor | null,
  input: EntryInput,
): Promise<ManifestEntry> {
  const { manifestId } = await resolveRef(deps, actor, input);
  const entry = await getManifestEntry(deps.db, manifestId, input.path);
  if (!entry) {
    throw new CairnError(
      "NOT_FOUND",
      `${input.ref} has no entry at path "${input.path}": paths are exact and case-sensitive; list them with artifacts.manifest.`,
      { details: { path: input.path } },
    );
  }
  return entry;
}

/**
 * Download URLs for stored files of one version. Only digests that are stored-file entries of that
 * version are served — a reader of one artifact cannot fetch arbitrary blobs by digest. With the
 * directory store it also hands out a bundle URL scoped to the version's manifest, so clients can
 * fetch many small blobs per request.
 */
export async function fileUrls(
  deps: ServiceDeps,
  actor: Actor | null,
  input: FileUrlsInput,
  downloadUrl: DownloadUrlOf,
): Promise<{
  urls: Array<{ digest: string; url: string; headers: Record<string, string> }>;
  /** Where small blobs of this version can be fetched many per request; null with a bucket. */
  bundle: BundleDownloadTarget | null;
}> {
  const { manifestId } = await resolveRef(deps, actor, input);
  const wanted = [...new Set(input.digests)];
  const found = new Set<string>();
  for (let i = 0; i < wanted.length; i += FILE_DIGEST_BATCH) {
    const rows = await deps.db
      .selectFrom("manifest_entries")
      .select("digest")
      .distinct()
      .where("manifest_id", "=", manifestId)
      .where("ref", "is", null)
      .where("digest", "in", wanted.slice(i, i + FILE_DIGEST_BATCH))
      .execute();
    for (const row of rows) found.add(row.digest);
  }
  const missing = wanted.filter((d) => !found.has(d));
  if (missing.length > 0) {
    throw new CairnError(
      "NOT_FOUND",
      `${input.ref} has no stored file with digest ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ""}: ask only for digests of its file entries (references are fetched from their own URI).`,
      { details: { digests: missing.slice(0, 100) } },
    );
  }
  const urls = [];
  for (const digest of wanted) urls.push({ digest, ...(await downloadUrl(digest)) });
  const bundle =
    wanted.length > 0 ? await createBundleDownloads(deps).target(manifestId, wanted[0]!) : null;
  return { urls, bundle };
}

/** The newest audit records of a project (optionally of one artifact), newest first. */
export async function auditLog(
  deps: ServiceDeps,
  actor: Actor | null,
  input: AuditInput,
): Promise<AuditEntry[]> {
  const project = await resolveProject(deps.db, actor, input, "read");
  let query = deps.db
    .selectFrom("audit_log as l")
    .leftJoin("entities as e", "e.id", "l.actor_entity_id")
    .select([
      "l.at",
      "e.name as actor",
      "l.action",
      "l.collection",
      "l.alias",
      "l.from_version",
      "l.to_version",
    ])
    .where("l.project_id", "=", project.id);
  if (input.name !== undefined) query = query.where("l.collection", "=", input.name);
  const rows = await query
    .orderBy("l.id", "desc")
    .limit(pageLimit(input.limit, DEFAULT_LIST_PAGE))
    .execute();
  return rows.map((r) => ({
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    name: r.collection,
    alias: r.alias,
    fromVersion: r.from_version,
    toVersion: r.to_version,
  }));
}

/** One changed path of a diff. */
export interface DiffChange {
  path: string;
  before: ManifestEntry;
  after: ManifestEntry;
}

/** What changed from version `a` to version `b`. */
export interface VersionDiff {
  a: { id: string; version: string; digest: string };
  b: { id: string; version: string; digest: string };
  added: ManifestEntry[];
  removed: ManifestEntry[];
  changed: DiffChange[];
  /** Counts and byte totals over the whole diff, also when the rows were capped. */
  totals: {
    added: number;
    removed: number;
    changed: number;
    addedBytes: number;
    removedBytes: number;
  };
  /** True when more rows differ than were returned (see `totals`). */
  truncated: boolean;
}

interface DiffRow {
  path: string;
  a_digest: string | null;
  a_size: number | string | null;
  a_ref: string | null;
  a_extra: unknown;
  b_digest: string | null;
  b_size: number | string | null;
  b_ref: string | null;
  b_extra: unknown;
}

function side(row: DiffRow, which: "a" | "b"): ManifestEntry {
  const size = row[`${which}_size`];
  return entryOfRow({
    path: row.path,
    digest: row[`${which}_digest`] as string,
    size: size === null ? null : toSafeNumber(size),
    ref: row[`${which}_ref`],
    extra: row[`${which}_extra`],
  });
}

/**
 * Compares two versions by path in SQL: a full outer join of the two manifests on path, so two
 * million-entry manifests are compared by the database, not in memory. Same rule as core
 * `diffManifests`: a path changed when its digest, size or ref differ (`extra` alone does not count).
 * Rows come in path order, at most `limit` (default {@link DEFAULT_DIFF_ROWS}), with exact totals.
 */
export async function diffVersions(
  deps: ServiceDeps,
  actor: Actor | null,
  input: DiffInput,
): Promise<VersionDiff> {
  const [a, b] = await Promise.all([
    resolveRef(deps, actor, { entity: input.entity, project: input.project, ref: input.a }),
    resolveRef(deps, actor, { entity: input.entity, project: input.project, ref: input.b }),
  ]);
  const va = {
    id: a.versionId,
    number: a.info.number,
    digest: a.info.digest,
    manifest_id: a.manifestId,
  };
  const vb = {
    id: b.versionId,
    number: b.info.number,
    digest: b.info.digest,
    manifest_id: b.manifestId,
  };
  const limit = input.limit ?? DEFAULT_DIFF_ROWS;
  const joined = sql`(select path, digest, size, ref, extra from manifest_entries where manifest_id = ${va.manifest_id}) x
    full outer join (select path, digest, size, ref, extra from manifest_entries where manifest_id = ${vb.manifest_id}) y
    on x.path = y.path
    where x.path is null or y.path is null or x.digest <> y.digest
      or x.size is distinct from y.size or x.ref is distinct from y.ref`;
  const [rows, totalsResult] =
    va.manifest_id === vb.manifest_id
      ? [{ rows: [] as DiffRow[] }, null]
      : await Promise.all([
          sql<DiffRow>`select coalesce(x.path, y.path) as path,
              x.digest as a_digest, x.size as a_size, x.ref as a_ref, x.extra as a_extra,
              y.digest as b_digest, y.size as b_size, y.ref as b_ref, y.extra as b_extra
            from ${joined} order by 1 limit ${limit}`.execute(deps.db),
          sql<{
            added: unknown;
            removed: unknown;
            changed: unknown;
            added_bytes: unknown;
            removed_bytes: unknown;
          }>`
            select count(*) filter (where x.path is null) as added,
              count(*) filter (where y.path is null) as removed,
              count(*) filter (where x.path is not null and y.path is not null) as changed,
              coalesce(sum(y.size) filter (where x.path is null), 0) as added_bytes,
              coalesce(sum(x.size) filter (where y.path is null), 0) as removed_bytes
            from ${joined}`.execute(deps.db),
        ]);
  const t = totalsResult?.rows[0];
  const num = (v: unknown) => toSafeNumber(v as number | string | null);
  const totals = {
    added: num(t?.added),
    removed: num(t?.removed),
    changed: num(t?.changed),
    addedBytes: num(t?.added_bytes),
    removedBytes: num(t?.removed_bytes),
  };
  const diff: VersionDiff = {
    a: { id: va.id, version: `v${va.number}`, digest: va.digest },
    b: { id: vb.id, version: `v${vb.number}`, digest: vb.digest },
    added: [],
    removed: [],
    changed: [],
    totals,
    truncated: totals.added + totals.removed + totals.changed > rows.rows.length,
  };
  for (const row of rows.rows) {
    if (row.a_digest === null) diff.added.push(side(row, "b"));
    else if (row.b_digest === null) diff.removed.push(side(row, "a"));
    else diff.changed.push({ path: row.path, before: side(row, "a"), after: side(row, "b") });
  }
  return diff;
}

/** Storage of a project or of one version: logical bytes versus bytes actually stored. */
export interface StorageReport {
  /** Sum of the versions' sizes (every entry, references included, counted per version). */
  logicalBytes: number;
  /** Bytes of the distinct stored blobs those versions' files use, each counted once. */
  uniqueBytes: number;
  /** Committed versions counted. */
  versions: number;
  /** Entries of those versions (per version, so shared files count each time). */
  files: number;
  /** Distinct stored blobs behind `uniqueBytes`. */
  uniqueFiles: number;
}

/**
 * Logical versus unique bytes, in SQL: for a project (every committed version) or, with `ref`, for
 * one version. Unique bytes sum each distinct blob digest once across the manifests involved, so
 * ten versions sharing a 1 GB file show 10 GB logical and 1 GB unique. References hold no bytes
 * in Cairn, so they count in `logicalBytes` only.
 */
export async function storageReport(
  deps: ServiceDeps,
  actor: Actor | null,
  input: StorageInput,
): Promise<StorageReport> {
  let versionFilter: ReturnType<typeof sql>;
  if (input.ref !== undefined) {
    const { versionId } = await resolveRef(deps, actor, {
      entity: input.entity,
      project: input.project,
      ref: input.ref,
    });
    versionFilter = sql`v.id = ${versionId}`;
  } else {
    const project = await resolveProject(deps.db, actor, input, "read");
    versionFilter = sql`v.state = 'committed' and v.collection_id in (select id from collections where project_id = ${project.id})`;
  }
  const totals = await sql<{ logical: unknown; versions: unknown; files: unknown }>`
    select coalesce(sum(v.size), 0) as logical, count(*) as versions, coalesce(sum(v.file_count), 0) as files
    from versions v where ${versionFilter}`.execute(deps.db);
  const unique = await sql<{ bytes: unknown; blobs: unknown }>`
    select coalesce(sum(size), 0) as bytes, count(*) as blobs from (
      select me.digest, max(me.size) as size from manifest_entries me
      where me.ref is null and me.manifest_id in (select v.manifest_id from versions v where ${versionFilter})
      group by me.digest
    ) d`.execute(deps.db);
  const num = (v: unknown) => toSafeNumber(v as number | string | null);
  return {
    logicalBytes: num(totals.rows[0]?.logical),
    uniqueBytes: num(unique.rows[0]?.bytes),
    versions: num(totals.rows[0]?.versions),
    files: num(totals.rows[0]?.files),
    uniqueFiles: num(unique.rows[0]?.blobs),
  };
}
