import type { AccessRole } from "@cairn/core";
import type { Database } from "@cairn/db";
import type { Kysely, Transaction } from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

/** Digests looked up per query (one bound parameter each). */
const BATCH = 5_000;

/**
 * The trust rule's "who holds what" (see docs/security.md): the entities whose proved possession
 * a caller acting in a project may use, and under which a proof by that caller is recorded. Always
 * the acting user; the project's owning entity only when the caller is a member (or admin) of it —
 * a non-member writing in an open project gets nothing of the owner's storage, and gives nothing
 * to it.
 */
export function possessionEntities(
  actorId: string | null,
  project: { entityId: string; role: AccessRole },
): string[] {
  const entities = actorId === null ? [] : [actorId];
  const member = project.role === "member" || project.role === "admin";
  if (member && !entities.includes(project.entityId)) entities.push(project.entityId);
  return entities;
}

/**
 * Which of `digests` the caller may reference in a commit to `projectId`: those one of
 * `entities` proved possession of, and those a committed version of the project already
 * contains (the caller may read that project, since it may write it). Never "stored by anyone".
 */
export async function referenceableDigests(
  db: Db,
  entities: readonly string[],
  projectId: string,
  digests: readonly string[],
): Promise<Set<string>> {
  const have = new Set<string>();
  if (digests.length === 0) return have;
  for (let i = 0; i < digests.length; i += BATCH) {
    const batch = digests.slice(i, i + BATCH);
    if (entities.length > 0) {
      const rows = await db
        .selectFrom("blob_owners")
        .select("digest")
        .distinct()
        .where("entity_id", "in", [...entities])
        .where("digest", "in", batch)
        .execute();
      for (const row of rows) have.add(row.digest);
    }
    const rest = batch.filter((d) => !have.has(d));
    if (rest.length === 0) continue;
    const inProject = await db
      .selectFrom("manifest_entries as me")
      .innerJoin("versions as v", "v.manifest_id", "me.manifest_id")
      .innerJoin("collections as c", "c.id", "v.collection_id")
      .select("me.digest")
      .distinct()
      .where("c.project_id", "=", projectId)
      .where("v.state", "=", "committed")
      .where("me.ref", "is", null)
      .where("me.digest", "in", rest)
      .execute();
    for (const row of inProject) have.add(row.digest);
  }
  return have;
}
