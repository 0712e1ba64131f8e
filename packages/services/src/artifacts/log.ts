import { CairnError, parseReference, parseTtlSetting, qualifyReference } from "@cairn/core";
import type { JsonObject } from "@cairn/db";
import type { Actor } from "../actor.js";
import { limitsOf, nowOf, type ServiceDeps } from "../deps.js";
import type { ArtifactSelectorInput } from "../inputs.js";
import { type AccessibleProject, resolveProject } from "../projects/access.js";
import { resolveProjectCreatingOnFirstUse } from "../projects/on-first-use.js";
import { commitVersion } from "./commit-version.js";
import type { LogInput, UseInput } from "./inputs.js";
import { resolveVersionId } from "./resolve-version.js";
import { loadVersionInfo, type VersionInfo } from "./version-info.js";

/**
 * Logs an artifact version from inline entries: identical contents resolve to the existing
 * version (aliases and `latest` applied to it), new contents make the next version.
 */
export async function logArtifact(
  deps: ServiceDeps,
  actor: Actor | null,
  input: LogInput,
): Promise<{ version: VersionInfo; created: boolean }> {
  const project = await resolveProjectCreatingOnFirstUse(deps.db, actor, input);
  const ttl = input.ttl === undefined ? undefined : parseTtlSetting(input.ttl);
  const result = await deps.db.transaction().execute((trx) =>
    commitVersion(trx, {
      project,
      actorId: actor?.userId ?? null,
      name: input.name,
      type: input.type,
      description: input.description,
      metadata: input.metadata as JsonObject | undefined,
      tags: input.tags,
      ttl,
      aliases: input.aliases,
      runIds: input.runId ? [input.runId] : [],
      source: { kind: "entries", entries: input.entries },
      now: nowOf(deps),
      limits: limitsOf(deps),
    }),
  );
  return { version: await loadVersionInfo(deps.db, result.versionId), created: result.created };
}

/**
 * Resolves a reference (any form; short forms in the given entity/project) to a readable version.
 * A reference naming another project is authorized against that project.
 */
export async function resolveSelector(
  deps: ServiceDeps,
  actor: Actor | null,
  input: ArtifactSelectorInput,
  action: "read" | "write" | "delete" | "manage_aliases" = "read",
): Promise<{
  project: AccessibleProject;
  versionId: string;
  collectionId: string;
  collectionName: string;
}> {
  const ref = qualifyReference(parseReference(input.ref), {
    entity: input.entity,
    project: input.project,
  });
  const project = await resolveProject(
    deps.db,
    actor,
    { entity: ref.entity, project: ref.project },
    action,
  );
  const { versionId, collection } = await resolveVersionId(deps.db, project.id, ref);
  return { project, versionId, collectionId: collection.id, collectionName: collection.name };
}

/**
 * Records that a run used a version (lineage "used" edge). The run lives in the input's project;
 * the version may live in any project the caller can read.
 */
export async function useArtifact(
  deps: ServiceDeps,
  actor: Actor | null,
  input: UseInput,
): Promise<VersionInfo> {
  const runProject = await resolveProject(deps.db, actor, input, "write");
  const run = await deps.db
    .selectFrom("runs")
    .select("id")
    .where("project_id", "=", runProject.id)
    .where("id", "=", input.runId)
    .executeTakeFirst();
  if (!run) {
    throw new CairnError(
      "NOT_FOUND",
      `Run ${input.runId} does not exist in ${input.entity}/${input.project}: start it with runs.init first.`,
    );
  }
  const { versionId } = await resolveSelector(deps, actor, input);
  await deps.db
    .insertInto("run_used_version")
    .values({ project_id: runProject.id, run_id: input.runId, version_id: versionId })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return loadVersionInfo(deps.db, versionId);
}
