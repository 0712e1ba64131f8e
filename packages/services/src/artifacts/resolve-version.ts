import {
  type AccessAction,
  type ArtifactRef,
  type ArtifactSelector,
  CairnError,
  formatReference,
  type ProjectVisibility,
  type QualifiedArtifactRef,
} from "@cairn/core";
import { type Database, preparedStatement, turnBatch } from "@cairn/db";
import { CompiledQuery, type Kysely, sql } from "kysely";
import type { Actor } from "../actor.js";
import { type AccessibleProject, checkProjectAccess } from "../projects/access.js";
import { type VersionInfo, type VersionInfoRow, versionInfoOfRow } from "./version-info.js";

/** A collection (artifact) row as the services use it. */
export interface CollectionRow {
  id: string;
  name: string;
  type: string;
  description: string | null;
  default_ttl_ms: number | null;
}

/** The collection called `name` in a project, or null. */
export async function findCollection(
  db: Kysely<Database>,
  projectId: string,
  name: string,
): Promise<CollectionRow | null> {
  const row = await db
    .selectFrom("collections")
    .select(["id", "name", "type", "description", "default_ttl_ms"])
    .where("project_id", "=", projectId)
    .where("name", "=", name)
    .executeTakeFirst();
  return row ?? null;
}

/**
 * Resolves a reference's selector (alias, `vN`, digest prefix) to a committed version id inside a
 * project. Errors name the reference and say how to list what exists.
 */
export async function resolveVersionId(
  db: Kysely<Database>,
  projectId: string,
  ref: ArtifactRef,
): Promise<{ versionId: string; collection: CollectionRow }> {
  const shown = formatReference(ref);
  const { selector } = ref;
  // Alias and `vN` selectors name at most one version: fetch it with the collection in one round
  // trip (a correlated subquery), so "no such artifact" and "no such version" stay distinct.
  let collection: CollectionRow | null;
  let rows: { id: string }[];
  if (selector.kind === "alias" || selector.kind === "version") {
    const found = await db
      .selectFrom("collections")
      .select((eb) => [
        "collections.id",
        "collections.name",
        "collections.type",
        "collections.description",
        "collections.default_ttl_ms",
        (selector.kind === "alias"
          ? eb
              .selectFrom("versions")
              .innerJoin("aliases", "aliases.version_id", "versions.id")
              .select("versions.id")
              .whereRef("aliases.collection_id", "=", "collections.id")
              .where("aliases.alias", "=", selector.alias)
          : eb
              .selectFrom("versions")
              .select("versions.id")
              // As bigint: a number past the column's integer range matches nothing (no 500).
              .where("versions.number", "=", sql<number>`${selector.version}::bigint`)
        )
          .whereRef("versions.collection_id", "=", "collections.id")
          .where("versions.state", "=", "committed")
          .limit(1)
          .as("versionId"),
      ])
      .where("collections.project_id", "=", projectId)
      .where("collections.name", "=", ref.name)
      .executeTakeFirst();
    collection = found
      ? {
          id: found.id,
          name: found.name,
          type: found.type,
          description: found.description,
          default_ttl_ms: found.default_ttl_ms,
        }
      : null;
    rows = found?.versionId ? [{ id: found.versionId }] : [];
  } else {
    collection = await findCollection(db, projectId, ref.name);
    rows = collection
      ? await db
          .selectFrom("versions")
          .select(["versions.id"])
          .where("versions.collection_id", "=", collection.id)
          .where("versions.state", "=", "committed")
          .where("versions.digest", "like", `${selector.digest}%`)
          .limit(2)
          .execute()
      : [];
    if (rows.length > 1) {
      throw new CairnError(
        "INVALID_REFERENCE",
        `Digest prefix "${selector.digest}" matches several versions of ${ref.name}: give more characters.`,
      );
    }
  }
  if (!collection) {
    throw new CairnError(
      "NOT_FOUND",
      `Artifact "${ref.name}" does not exist in this project (reference ${shown}): check the name, or list artifacts with \`cairn ls\`.`,
      { details: { reference: shown } },
    );
  }
  const row = rows[0];
  if (!row) {
    throw versionNotFound(selector, ref.name, shown);
  }
  return { versionId: row.id, collection };
}

/** What {@link resolveVersionInOneQuery} returns: the checked project, the version and its manifest. */
export interface ResolvedVersion {
  project: AccessibleProject;
  collection: CollectionRow;
  versionId: string;
  manifestId: number;
  info: VersionInfo;
}

/** Where the statement text reads a reference's five values: scalar parameters, or a batch's row. */
interface ValueSlots {
  entity: string;
  project: string;
  userId: string;
  name: string;
  value: string;
  /** `value` as the version number. */
  number: string;
}

/** The lateral subquery picking the version a selector names. */
const SELECTOR_SQL: Record<ArtifactSelector["kind"], (v: ValueSlots) => string> = {
  alias: (v) => `select a.version_id as id from aliases a join versions v on v.id = a.version_id
    where a.collection_id = c.id and a.alias = ${v.value} and v.state = 'committed' limit 1`,
  version: (v) => `select v.id from versions v
    where v.collection_id = c.id and v.number = ${v.number} and v.state = 'committed' limit 1`,
  // Two rows at most: a second one means the prefix is ambiguous.
  digest: (v) => `select v.id from versions v
    where v.collection_id = c.id and v.state = 'committed' and v.digest like ${v.value} limit 2`,
};

/**
 * Project (with the caller's membership), artifact, selected version and its VersionInfo columns
 * of one reference, joined in ONE select. Rows: none (no such project), one with null
 * collection/version columns (no such artifact/version), or — for an ambiguous digest prefix
 * only — two.
 */
function resolveSelect(kind: ArtifactSelector["kind"], v: ValueSlots): string {
  return `select p.id as project_id, p.name as project_name, p.visibility, p.protected_aliases,
      p.description as project_description, p.created_at as project_created_at,
      e.id as entity_id, e.name as entity_name, m.role as member_role,
      c.id as collection_id, c.name as collection_name, c.type as collection_type,
      c.description as collection_description, c.default_ttl_ms,
      v.id as version_id, v.number, v.digest, v.manifest_id, v.tags, v.description, v.metadata,
      v.size, v.file_count, v.created_at, v.created_by_run, v.ttl_policy, v.ttl_ms, v.expires_at,
      v.state,
      (select coalesce(array_agg(al.alias::text order by al.alias), '{}'::text[])
        from aliases al where al.version_id = v.id) as aliases
    from projects p
    join entities e on e.id = p.entity_id
    left join memberships m on m.entity_id = e.id and m.user_id = ${v.userId}
    left join collections c on c.project_id = p.id and c.name = ${v.name}
    left join lateral (${SELECTOR_SQL[kind](v)}) sel on true
    left join versions v on v.id = sel.id
    where e.name = ${v.entity} and p.name = ${v.project}`;
}

const KINDS: ArtifactSelector["kind"][] = ["alias", "version", "digest"];

/**
 * One reference: five scalar parameters. Prepared once per connection (planning this join cost
 * more than running it), and planned generically: the same plan for every reference.
 */
const RESOLVE_ONE_SQL = Object.fromEntries(
  KINDS.map((kind) => [
    kind,
    preparedStatement(
      `select 1 as batch_index, r.* from (${resolveSelect(kind, {
        entity: "$1",
        project: "$2",
        userId: "$3",
        name: "$4",
        value: "$5",
        number: "$5::bigint",
      })}) r`,
    ),
  ]),
) as Record<ArtifactSelector["kind"], string>;

/**
 * Several references in one statement: the i-th elements of the five array parameters are one
 * reference, and each row names its reference's position (`batch_index`, from 1). `offset 0`
 * keeps the per-reference select a lateral loop of index lookups, not a join the planner may
 * reorder. (Not used for a single reference: with an array of unknown length the planner keeps
 * re-planning the statement instead of reusing its plan.)
 */
const RESOLVE_MANY_SQL = Object.fromEntries(
  KINDS.map((kind) => [
    kind,
    preparedStatement(`select q.i::int as batch_index, r.* from unnest($1::text[], $2::text[],
      $3::text[], $4::text[], $5::text[]) with ordinality as q(entity, project, user_id, name, value, i)
    cross join lateral (${resolveSelect(kind, {
      entity: "q.entity",
      project: "q.project",
      userId: "q.user_id",
      name: "q.name",
      value: "q.value",
      number: "q.value::bigint",
    })} offset 0) r`),
  ]),
) as Record<ArtifactSelector["kind"], string>;

/** One reference of a resolve batch: the statement's five parameters at one position. */
type ResolveInput = [entity: string, project: string, userId: string, name: string, value: string];

/** Runs the resolve statement of `kind` for `inputs`; the rows of each input, in input order. */
async function loadResolveRows(
  db: Kysely<Database>,
  kind: ArtifactSelector["kind"],
  inputs: ResolveInput[],
): Promise<ResolveRow[][]> {
  const query =
    inputs.length === 1
      ? CompiledQuery.raw(RESOLVE_ONE_SQL[kind], inputs[0] as ResolveInput)
      : CompiledQuery.raw(
          RESOLVE_MANY_SQL[kind],
          [0, 1, 2, 3, 4].map((c) => inputs.map((input) => input[c])),
        );
  const { rows } = await db.executeQuery<ResolveRow & { batch_index: number }>(query);
  const byInput: ResolveRow[][] = inputs.map(() => []);
  for (const row of rows) byInput[row.batch_index - 1]?.push(row);
  return byInput;
}

/** Per database handle, a batcher per selector kind (coalesced-reads.ts: one statement per turn). */
const batchers = new WeakMap<
  object,
  Record<ArtifactSelector["kind"], (input: ResolveInput) => Promise<ResolveRow[]>>
>();

/**
 * The rows of one reference. Outside a transaction, the references resolved in the same
 * event-loop turn (concurrent requests) go to PostgreSQL as one statement, identical ones once.
 */
function resolveRows(
  db: Kysely<Database>,
  kind: ArtifactSelector["kind"],
  input: ResolveInput,
): Promise<ResolveRow[]> {
  if (db.isTransaction) return loadResolveRows(db, kind, [input]).then((rows) => rows[0] ?? []);
  let byKind = batchers.get(db);
  if (!byKind) {
    const batcherOf = (k: ArtifactSelector["kind"]) =>
      turnBatch((inputs: ResolveInput[]) => loadResolveRows(db, k, inputs), {
        keyOf: (i) => i.join("\u0000"),
      });
    byKind = {
      alias: batcherOf("alias"),
      version: batcherOf("version"),
      digest: batcherOf("digest"),
    };
    batchers.set(db, byKind);
  }
  return byKind[kind](input);
}

/** One row of the resolve statement: project, membership, artifact, then the version's columns. */
interface ResolveRow
  extends Omit<VersionInfoRow, "id" | "entityName" | "projectName" | "name" | "type"> {
  project_id: string;
  project_name: string;
  visibility: ProjectVisibility;
  protected_aliases: string[];
  project_description: string | null;
  project_created_at: Date;
  entity_id: string;
  entity_name: string;
  member_role: "member" | "admin" | null;
  collection_id: string | null;
  collection_name: string | null;
  collection_type: string | null;
  collection_description: string | null;
  default_ttl_ms: number | null;
  version_id: string | null;
  manifest_id: number | bigint;
}

/**
 * Resolves a qualified reference for `action` in ONE round trip: project access (the caller's
 * membership on a left join), the artifact, the selected committed version, its VersionInfo and
 * its manifest id. The hot read path (artifacts.get, manifest pages, entries, file URLs) used to
 * spend 3–4 sequential queries here. Nothing is cached, so a visibility, membership or alias
 * change applies to the very next request. Errors are those of resolveProject and
 * resolveVersionId, checked in the same order (access first, so a hidden project's artifacts
 * stay invisible).
 */
export async function resolveVersionInOneQuery(
  db: Kysely<Database>,
  actor: Actor | null,
  ref: QualifiedArtifactRef,
  action: AccessAction = "read",
): Promise<ResolvedVersion> {
  const { selector } = ref;
  const value =
    selector.kind === "alias"
      ? selector.alias
      : selector.kind === "version"
        ? selector.version
        : `${selector.digest}%`;
  // Precomputed SQL text: no query-builder work per request on this hot path. References resolved
  // in the same event-loop turn (a fleet of concurrent requests) share one statement.
  const rows = await resolveRows(db, selector.kind, [
    ref.entity,
    ref.project,
    actor?.userId ?? "",
    ref.name,
    String(value),
  ]);
  const row = rows[0];
  const project = checkProjectAccess(
    actor,
    { entity: ref.entity, project: ref.project },
    action,
    row && {
      id: row.project_id,
      name: row.project_name,
      visibility: row.visibility,
      protectedAliases: row.protected_aliases,
      description: row.project_description,
      createdAt: row.project_created_at,
      entityId: row.entity_id,
      entityName: row.entity_name,
      memberRole: row.member_role,
    },
  );
  const shown = formatReference(ref);
  if (!row?.collection_id) {
    throw new CairnError(
      "NOT_FOUND",
      `Artifact "${ref.name}" does not exist in this project (reference ${shown}): check the name, or list artifacts with \`cairn ls\`.`,
      { details: { reference: shown } },
    );
  }
  if (selector.kind === "digest" && rows.length > 1) {
    throw new CairnError(
      "INVALID_REFERENCE",
      `Digest prefix "${selector.digest}" matches several versions of ${ref.name}: give more characters.`,
    );
  }
  if (!row.version_id) {
    throw versionNotFound(selector, ref.name, shown);
  }
  const collection: CollectionRow = {
    id: row.collection_id,
    name: row.collection_name ?? ref.name,
    type: row.collection_type ?? "",
    description: row.collection_description,
    default_ttl_ms: row.default_ttl_ms,
  };
  const info = versionInfoOfRow({
    ...row,
    id: row.version_id,
    entityName: row.entity_name,
    projectName: row.project_name,
    name: collection.name,
    type: collection.type,
  });
  return {
    project,
    collection,
    versionId: row.version_id,
    manifestId: Number(row.manifest_id),
    info,
  };
}

/** NOT_FOUND for a reference whose artifact exists but whose selector matches no version. */
function versionNotFound(selector: ArtifactSelector, name: string, shown: string): CairnError {
  const what =
    selector.kind === "alias"
      ? `no version has the alias "${selector.alias}"`
      : selector.kind === "version"
        ? `version v${selector.version} does not exist (or was deleted)`
        : `no version has a digest starting with ${selector.digest}`;
  return new CairnError(
    "NOT_FOUND",
    `${shown}: ${what}. List versions and aliases with \`cairn ls ${name}\`.`,
    { details: { reference: shown } },
  );
}
