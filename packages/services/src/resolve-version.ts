import { type ArtifactRef, CairnError, formatReference } from "@cairn/core";
import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";

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
    const what =
      selector.kind === "alias"
        ? `no version has the alias "${selector.alias}"`
        : selector.kind === "version"
          ? `version v${selector.version} does not exist (or was deleted)`
          : `no version has a digest starting with ${selector.digest}`;
    throw new CairnError(
      "NOT_FOUND",
      `${shown}: ${what}. List versions and aliases with \`cairn ls ${ref.name}\`.`,
      { details: { reference: shown } },
    );
  }
  return { versionId: row.id, collection };
}
