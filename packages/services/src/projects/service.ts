import {
  CairnError,
  PROJECT_VISIBILITIES,
  type ProjectVisibility,
  validateAlias,
  validateEntityName,
  validateProjectName,
} from "@cairn/core";
import { type Actor, requireActor } from "../actor.js";
import { recordAudit } from "../audit.js";
import type { ServiceDeps } from "../deps.js";
import { type AccessibleProject, type ProjectRef, resolveProject, roleIn } from "./access.js";
import type { ProjectInfo } from "./info.js";
import { listReadableProjects } from "./list.js";

/** Longest accepted project description. */
export const MAX_PROJECT_DESCRIPTION_LENGTH = 4096;

export type { ProjectInfo };

/** Converts a resolved project to its JSON form. */
export function toProjectInfo(project: AccessibleProject): ProjectInfo {
  return {
    id: project.id,
    entity: project.entityName,
    name: project.name,
    visibility: project.visibility,
    description: project.description,
    protectedAliases: [...project.protectedAliases],
    createdAt: project.createdAt.toISOString(),
    role: project.role,
  };
}

function assertVisibility(visibility: string): ProjectVisibility {
  if (!(PROJECT_VISIBILITIES as readonly string[]).includes(visibility)) {
    throw new CairnError(
      "INVALID_INPUT",
      `Unknown visibility "${visibility}": use ${PROJECT_VISIBILITIES.map((v) => `"${v}"`).join(", ")}.`,
    );
  }
  return visibility as ProjectVisibility;
}

function cleanDescription(description: string | null | undefined): string | null {
  if (description === undefined || description === null) return null;
  if (description.length > MAX_PROJECT_DESCRIPTION_LENGTH) {
    throw new CairnError(
      "INVALID_INPUT",
      `Project description is ${description.length} characters long: use at most ${MAX_PROJECT_DESCRIPTION_LENGTH}.`,
    );
  }
  return description;
}

/**
 * Projects: creation inside an entity the caller belongs to, reads filtered by the access policy,
 * and the admin-only settings (visibility, protected aliases).
 */
export function createProjectsService(deps: ServiceDeps) {
  const { db } = deps;
  return {
    /**
     * Creates a project in the caller's own entity or in a team they belong to (members may
     * create projects: the team's admins keep control of visibility and settings).
     */
    async create(
      actor: Actor | null,
      input: {
        entity: string;
        name: string;
        visibility?: ProjectVisibility;
        description?: string | null | undefined;
      },
    ): Promise<ProjectInfo> {
      const me = requireActor(actor, "create projects");
      validateEntityName(input.entity);
      validateProjectName(input.name);
      const visibility = assertVisibility(input.visibility ?? "private");
      const description = cleanDescription(input.description);
      const entity = await db
        .selectFrom("entities")
        .select(["id", "name"])
        .where("name", "=", input.entity)
        .executeTakeFirst();
      if (!entity) {
        throw new CairnError(
          "NOT_FOUND",
          `Entity "${input.entity}" was not found: check the user or team name.`,
          {
            details: { entity: input.entity },
          },
        );
      }
      const role = await roleIn(db, me, entity.id);
      if (role !== "admin" && role !== "member") {
        throw new CairnError(
          "FORBIDDEN",
          `You cannot create projects in "${entity.name}": create them in your own entity ("${me.userName}") or in a team you belong to.`,
          { details: { entity: entity.name } },
        );
      }
      const row = await db
        .insertInto("projects")
        .values({ entity_id: entity.id, name: input.name, visibility, description })
        .onConflict((oc) => oc.columns(["entity_id", "name"]).doNothing())
        .returning(["id", "name", "visibility", "protected_aliases", "description", "created_at"])
        .executeTakeFirst();
      if (!row) {
        throw new CairnError(
          "CONFLICT",
          `Project ${entity.name}/${input.name} already exists: use it, or choose another name.`,
          { details: { entity: entity.name, project: input.name } },
        );
      }
      return {
        id: row.id,
        entity: entity.name,
        name: row.name,
        visibility: row.visibility,
        description: row.description,
        protectedAliases: row.protected_aliases,
        createdAt: row.created_at.toISOString(),
        role,
      };
    },

    /** One project, if the caller may read it (a private project is NOT_FOUND to outsiders). */
    async get(actor: Actor | null, ref: ProjectRef): Promise<ProjectInfo> {
      return toProjectInfo(await resolveProject(db, actor, ref, "read"));
    },

    /** Every project the caller can read (optionally of one entity), by entity then name. */
    list(actor: Actor | null, input: { entity?: string | undefined } = {}): Promise<ProjectInfo[]> {
      if (input.entity !== undefined) validateEntityName(input.entity);
      return listReadableProjects(db, actor, input.entity);
    },

    /** Changes who may read and write the project (admins of the project only). */
    async setVisibility(
      actor: Actor | null,
      input: ProjectRef & { visibility: ProjectVisibility },
    ): Promise<ProjectInfo> {
      const me = requireActor(actor, "change a project's visibility");
      const visibility = assertVisibility(input.visibility);
      const project = await resolveProject(db, me, input, "manage_project");
      if (project.visibility === visibility) return toProjectInfo(project);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("projects")
          .set({ visibility })
          .where("id", "=", project.id)
          .execute();
        await recordAudit(trx, [
          {
            actorId: me.userId,
            projectId: project.id,
            action: "project.visibility",
            details: { from: project.visibility, to: visibility },
          },
        ]);
      });
      return toProjectInfo({ ...project, visibility });
    },

    /**
     * Replaces the list of protected aliases (e.g. `production`): only project admins may then
     * move them. Admin-only, like every project setting.
     */
    async setProtectedAliases(
      actor: Actor | null,
      input: ProjectRef & { aliases: string[] },
    ): Promise<ProjectInfo> {
      const me = requireActor(actor, "change a project's protected aliases");
      for (const alias of input.aliases) validateAlias(alias);
      const aliases = [...new Set(input.aliases)].sort();
      const project = await resolveProject(db, me, input, "manage_protected_aliases");
      await db
        .updateTable("projects")
        .set({ protected_aliases: aliases })
        .where("id", "=", project.id)
        .execute();
      return toProjectInfo({ ...project, protectedAliases: aliases });
    },
  };
}

/** The projects service. */
export type ProjectsService = ReturnType<typeof createProjectsService>;
