import {
  type AccessAction,
  type ArtifactRef,
  type ArtifactSelector,
  CairnError,
  formatReference,
  type ProjectVisibility,
  type QualifiedArtifactRef,
} from "@cairn/core";
import { type Database, executeCoalescedRead, preparedStatement } from "@cairn/db";
import { CompiledQuery, type Kysely } from "kysely";
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
              .where("versions.number", "=", selector.version)
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

/** The lateral subquery picking the version a selector names (`$5` is the selector's value). */
const SELECTOR_SQL: Record<ArtifactSelector["kind"], string> = {
  alias: `select a.version_id as id from aliases a join versions v on v.id = a.version_id
    where a.collection_id = c.id and a.alias = $5 and v.state = 'committed' limit 1`,
  version: `select v.id from versions v
    where v.collection_id = c.id and v.number = $5 and v.state = 'committed' limit 1`,
  // Two rows at most: a second one means the prefix is ambiguous.
  digest: `select v.id from versions v
    where v.collection_id = c.id and v.state = 'committed' and v.digest like $5 limit 2`,
};

/**
 * Project (with the caller's membership), artifact, selected version and its VersionInfo columns,
 * joined in ONE statement. Rows: none (no such project), one with null collection/version columns
 * (no such artifact/version), or — for an ambiguous digest prefix only — two.
 */
const RESOLVE_SQL = Object.fromEntries(
  Object.entries(SELECTOR_SQL).map(([kind, selector]) => [
    kind,
    // Prepared once per connection: planning this join cost more than running it.
    preparedStatement(`select p.id as project_id, p.name as project_name, p.visibility, p.protected_aliases,
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
    left join memberships m on m.entity_id = e.id and m.user_id = $3
    left join collections c on c.project_id = p.id and c.name = $4
    left join lateral (${selector}) sel on true
    left join versions v on v.id = sel.id
    where e.name = $1 and p.name = $2`),
  ]),
) as Record<ArtifactSelector["kind"], string>;

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
  // Precomputed SQL text: no query-builder work per request on this hot path. Identical
  // resolutions in one event-loop turn (a fleet asking for the same alias) share one statement.
  const { rows } = await executeCoalescedRead<ResolveRow>(
    db,
    CompiledQuery.raw(RESOLVE_SQL[selector.kind], [
      ref.entity,
      ref.project,
      actor?.userId ?? "",
      ref.name,
      value,
    ]),
  );
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
