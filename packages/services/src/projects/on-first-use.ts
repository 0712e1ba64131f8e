import { isCairnError, validateEntityName, validateProjectName } from "@cairn/core";
import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";
import type { Actor } from "../actor.js";
import { type AccessibleProject, type ProjectRef, resolveProject, roleIn } from "./access.js";

/**
 * Resolves a project to write to, creating it on first use as W&B does: when the project does not
 * exist and its entity is the caller's own user or a team the caller belongs to (or the caller is
 * a site admin), it is created `private`. A project of an entity the caller may not write stays
 * NOT_FOUND, exactly like before, so nothing about other entities is revealed.
 */
export async function resolveProjectCreatingOnFirstUse(
  db: Kysely<Database>,
  actor: Actor | null,
  ref: ProjectRef,
): Promise<AccessibleProject> {
  try {
    return await resolveProject(db, actor, ref, "write");
  } catch (error) {
    if (!actor || !isCairnError(error, "NOT_FOUND")) throw error;
    validateEntityName(ref.entity);
    validateProjectName(ref.project);
    const entity = await db
      .selectFrom("entities")
      .select(["id"])
      .where("name", "=", ref.entity)
      .executeTakeFirst();
    if (!entity) throw error;
    const role = await roleIn(db, actor, entity.id);
    if (role !== "admin" && role !== "member") throw error;
    // Two first uses at once both insert; the loser's insert does nothing and both resolve it.
    // A member may write every project of the entity, so resolving again cannot leak one.
    await db
      .insertInto("projects")
      .values({ entity_id: entity.id, name: ref.project, visibility: "private" })
      .onConflict((oc) => oc.columns(["entity_id", "name"]).doNothing())
      .execute();
    return resolveProject(db, actor, ref, "write");
  }
}
