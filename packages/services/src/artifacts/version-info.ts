import { CairnError, formatTtlSetting, formatVersionAlias, type TtlSetting } from "@cairn/core";
import type { Database, JsonObject } from "@cairn/db";
import { type Kysely, sql } from "kysely";

/** A version as every API answer describes it (JSON-safe: dates as ISO strings). */
export interface VersionInfo {
  id: string;
  entity: string;
  project: string;
  name: string;
  type: string;
  number: number;
  version: string;
  digest: string;
  aliases: string[];
  tags: string[];
  description: string | null;
  metadata: JsonObject;
  size: number;
  fileCount: number;
  createdAt: string;
  createdByRunId: string | null;
  ttl: string;
  expiresAt: string | null;
  state: "committed" | "deleted";
}

/** The TTL columns of a version row as a core TtlSetting. */
export function ttlOfRow(row: {
  ttl_policy: "inherit" | "none" | "duration";
  ttl_ms: number | null;
}): TtlSetting {
  if (row.ttl_policy === "duration" && row.ttl_ms !== null)
    return { kind: "duration", ms: row.ttl_ms };
  return { kind: row.ttl_policy === "none" ? "none" : "inherit" };
}

/** The columns of a version (with its artifact, project and entity names) VersionInfo is made of. */
export interface VersionInfoRow {
  id: string;
  entityName: string;
  projectName: string;
  name: string;
  type: string;
  number: number;
  digest: string;
  aliases: string[] | null;
  tags: string[];
  description: string | null;
  metadata: JsonObject;
  size: number | bigint | string;
  file_count: number | bigint | string;
  created_at: Date;
  created_by_run: string | null;
  ttl_policy: "inherit" | "none" | "duration";
  ttl_ms: number | null;
  expires_at: Date | null;
  state: "committed" | "deleted";
}

/**
 * Builds VersionInfo from a loaded row: shared by {@link loadVersionInfos} and the one-statement
 * reference resolution (resolve-version.ts), so both describe a version identically.
 */
export function versionInfoOfRow(row: VersionInfoRow): VersionInfo {
  return {
    id: row.id,
    entity: row.entityName,
    project: row.projectName,
    name: row.name,
    type: row.type,
    number: row.number,
    version: formatVersionAlias(row.number),
    digest: row.digest,
    aliases: row.aliases ?? [],
    tags: row.tags,
    description: row.description,
    metadata: row.metadata,
    size: Number(row.size),
    fileCount: Number(row.file_count),
    createdAt: row.created_at.toISOString(),
    createdByRunId: row.created_by_run,
    ttl: formatTtlSetting(ttlOfRow(row)),
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
    state: row.state,
  };
}

/** Loads VersionInfo for many versions, in the order of `ids` (missing ids are skipped). */
export async function loadVersionInfos(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<VersionInfo[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("versions")
    .innerJoin("collections", "collections.id", "versions.collection_id")
    .innerJoin("projects", "projects.id", "collections.project_id")
    .innerJoin("entities", "entities.id", "projects.entity_id")
    .select((eb) => [
      // Aliases come along (sorted) in the same round trip instead of a second query.
      eb
        .selectFrom("aliases")
        .select(
          sql<
            string[]
          >`coalesce(array_agg(aliases.alias::text order by aliases.alias), '{}'::text[])`.as(
            "list",
          ),
        )
        .whereRef("aliases.version_id", "=", "versions.id")
        .as("aliases"),
      "versions.id",
      "versions.number",
      "versions.digest",
      "versions.tags",
      "versions.description",
      "versions.metadata",
      "versions.size",
      "versions.file_count",
      "versions.created_at",
      "versions.created_by_run",
      "versions.ttl_policy",
      "versions.ttl_ms",
      "versions.expires_at",
      "versions.state",
      "collections.name",
      "collections.type",
      "projects.name as projectName",
      "entities.name as entityName",
    ])
    .where("versions.id", "in", ids)
    .execute();
  const byId = new Map(rows.map((row) => [row.id, versionInfoOfRow(row)]));
  return ids.flatMap((id) => {
    const info = byId.get(id);
    return info ? [info] : [];
  });
}

/** Loads one version's VersionInfo; NOT_FOUND when it does not exist. */
export async function loadVersionInfo(db: Kysely<Database>, id: string): Promise<VersionInfo> {
  const [info] = await loadVersionInfos(db, [id]);
  if (!info) throw new CairnError("NOT_FOUND", `Version ${id} does not exist.`);
  return info;
}
