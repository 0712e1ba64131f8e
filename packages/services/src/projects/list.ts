import type { AccessRole } from "@cairn/core";
import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";
import type { Actor } from "../actor.js";
import { ACCESSIBLE_PROJECT_COLUMNS } from "./access.js";
import type { ProjectInfo } from "./info.js";

/**
 * The projects an actor can read, in one query: public and open projects, plus private ones of
 * the actor's own entity and of teams they belong to (site admins: all). The role per project
 * follows the same rule as `roleIn` (access.ts), so the list agrees with `get`.
 */
export async function listReadableProjects(
  db: Kysely<Database>,
  actor: Actor | null,
  entity: string | undefined,
): Promise<ProjectInfo[]> {
  // An empty id matches no membership: anonymous callers see only public and open projects.
  const userId = actor?.userId ?? "";
  let query = db
    .selectFrom("projects")
    .innerJoin("entities", "entities.id", "projects.entity_id")
    .leftJoin("memberships", (join) =>
      join
        .onRef("memberships.entity_id", "=", "projects.entity_id")
        .on("memberships.user_id", "=", userId),
    )
    .select([...ACCESSIBLE_PROJECT_COLUMNS, "memberships.role as memberRole"]);
  if (entity !== undefined) query = query.where("entities.name", "=", entity);
  if (!actor?.isSiteAdmin) {
    query = query.where((eb) =>
      eb.or([
        eb("projects.visibility", "in", ["public", "open"]),
        eb("projects.entity_id", "=", userId),
        eb("memberships.role", "is not", null),
      ]),
    );
  }
  const rows = await query.orderBy("entities.name").orderBy("projects.name").execute();
  return rows.map((row) => {
    let role: AccessRole;
    if (!actor) role = "anonymous";
    else if (actor.isSiteAdmin || row.entityId === actor.userId) role = "admin";
    else role = row.memberRole ?? "user";
    return {
      id: row.id,
      entity: row.entityName,
      name: row.name,
      visibility: row.visibility,
      description: row.description,
      protectedAliases: row.protected_aliases,
      createdAt: row.created_at.toISOString(),
      role,
    };
  });
}
