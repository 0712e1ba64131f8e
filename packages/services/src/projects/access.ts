import {
  type AccessAction,
  type AccessRole,
  CairnError,
  decideAccess,
  type ProjectVisibility,
} from "@cairn/core";
import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";
import type { Actor } from "../actor.js";

/** Identifies a project by its owning entity's name and its own name. */
export interface ProjectRef {
  entity: string;
  project: string;
}

/** A project as the services use it, with the caller's role in it. */
export interface AccessibleProject {
  id: string;
  name: string;
  entityId: string;
  entityName: string;
  visibility: ProjectVisibility;
  protectedAliases: string[];
  description: string | null;
  createdAt: Date;
  role: AccessRole;
}

/**
 * The caller's role in an entity's projects: the user's own entity and site admins → `admin`;
 * a team → the user's membership role; anyone else signed in → `user`; no actor → `anonymous`.
 */
export async function roleIn(
  db: Kysely<Database>,
  actor: Actor | null,
  entityId: string,
): Promise<AccessRole> {
  if (!actor) return "anonymous";
  if (actor.isSiteAdmin || actor.userId === entityId) return "admin";
  const membership = await db
    .selectFrom("memberships")
    .select("role")
    .where("entity_id", "=", entityId)
    .where("user_id", "=", actor.userId)
    .executeTakeFirst();
  return roleFrom(actor, entityId, membership?.role ?? null);
}

/** The role rule of {@link roleIn}, given the caller's membership role in the entity (if any). */
function roleFrom(
  actor: Actor | null,
  entityId: string,
  membershipRole: "member" | "admin" | null,
): AccessRole {
  if (!actor) return "anonymous";
  if (actor.isSiteAdmin || actor.userId === entityId) return "admin";
  return membershipRole ?? "user";
}

/**
 * The columns of a project and its owning entity that an {@link AccessibleProject} is built from
 * (`projects` joined with `entities`), for every query that loads one.
 */
export const ACCESSIBLE_PROJECT_COLUMNS = [
  "projects.id",
  "projects.name",
  "projects.visibility",
  "projects.protected_aliases",
  "projects.description",
  "projects.created_at",
  "entities.id as entityId",
  "entities.name as entityName",
] as const;

/**
 * Loads a project and checks that the actor may perform `action` on it with the core access
 * policy. A private project the caller cannot read is reported NOT_FOUND, exactly like a project
 * that does not exist, so outsiders cannot learn that it exists.
 */
export async function resolveProject(
  db: Kysely<Database>,
  actor: Actor | null,
  ref: ProjectRef,
  action: AccessAction,
): Promise<AccessibleProject> {
  // One round trip: the caller's membership in the owning entity comes along on a left join
  // (never cached: a visibility or membership change must apply to the very next request).
  const row = await db
    .selectFrom("projects")
    .innerJoin("entities", "entities.id", "projects.entity_id")
    .leftJoin("memberships", (join) =>
      join
        .onRef("memberships.entity_id", "=", "entities.id")
        .on("memberships.user_id", "=", actor?.userId ?? ""),
    )
    .select([...ACCESSIBLE_PROJECT_COLUMNS, "memberships.role as memberRole"])
    .where("entities.name", "=", ref.entity)
    .where("projects.name", "=", ref.project)
    .executeTakeFirst();
  return checkProjectAccess(
    actor,
    ref,
    action,
    row && {
      id: row.id,
      name: row.name,
      visibility: row.visibility,
      protectedAliases: row.protected_aliases,
      description: row.description,
      createdAt: row.created_at,
      entityId: row.entityId,
      entityName: row.entityName,
      memberRole: row.memberRole,
    },
  );
}

/** The project columns an access decision needs, however the query that loaded them was built. */
export interface ProjectAccessRow {
  id: string;
  name: string;
  visibility: ProjectVisibility;
  protectedAliases: string[];
  description: string | null;
  createdAt: Date;
  entityId: string;
  entityName: string;
  /** The caller's membership role in the owning entity (null: none, or anonymous). */
  memberRole: "member" | "admin" | null;
}

/**
 * The access rule of {@link resolveProject} applied to an already loaded project row (undefined:
 * no such project), so a query that joins the project with what the caller asks for (see
 * artifacts/resolve-version.ts) decides exactly as resolveProject does. Unreadable private
 * projects and missing ones give the same NOT_FOUND.
 */
export function checkProjectAccess(
  actor: Actor | null,
  ref: ProjectRef,
  action: AccessAction,
  row: ProjectAccessRow | undefined,
): AccessibleProject {
  const notFound = () =>
    new CairnError(
      "NOT_FOUND",
      `Project ${ref.entity}/${ref.project} was not found (or you cannot see it): check the names, or create it with \`cairn project create ${ref.project}\`.`,
      { details: { entity: ref.entity, project: ref.project } },
    );
  if (!row) throw notFound();
  const role = roleFrom(actor, row.entityId, row.memberRole);
  const decision = decideAccess({ visibility: row.visibility, role, action });
  if (!decision.allowed) {
    if (decision.code === "NOT_FOUND") throw notFound();
    throw new CairnError(
      decision.code,
      `${decision.reason} (project ${ref.entity}/${ref.project}, action ${action}).`,
    );
  }
  return {
    id: row.id,
    name: row.name,
    entityId: row.entityId,
    entityName: row.entityName,
    visibility: row.visibility,
    protectedAliases: row.protectedAliases,
    description: row.description,
    createdAt: row.createdAt,
    role,
  };
}

/** True when the actor's role allows `action` (no throw), for listings and UI hints. */
export function allows(project: AccessibleProject, action: AccessAction): boolean {
  return decideAccess({ visibility: project.visibility, role: project.role, action }).allowed;
}
