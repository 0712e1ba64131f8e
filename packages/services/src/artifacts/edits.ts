import {
  assertAccess,
  assertDeletable,
  assertVersionFieldLimits,
  CairnError,
  effectiveExpiry,
  formatVersionAlias,
  parseTtlSetting,
  setAliasesOf,
  type TtlSetting,
  validateAlias,
  validateArtifactName,
  validateTag,
} from "@cairn/core";
import type { Database } from "@cairn/db";
import { sql, type Transaction, type Updateable } from "kysely";
import type { Actor } from "../actor.js";
import { type AuditRecord, recordAudit } from "../audit.js";
import { limitsOf, nowOf, type ServiceDeps } from "../deps.js";
import { type AccessibleProject, resolveProject } from "../projects/access.js";
import { applyAliasMoves, assertMayMoveAliases } from "./commit-version.js";
import type {
  DeleteVersionInput,
  RemoveAliasInput,
  SetAliasInput,
  SetCollectionInput,
  UpdateVersionInput,
} from "./inputs.js";
import { resolveSelector } from "./log.js";
import { type CollectionSummary, collectionSummaries } from "./queries.js";
import { loadVersionInfo, type VersionInfo } from "./version-info.js";

type Trx = Transaction<Database>;

/**
 * Locks an artifact's collection row for the rest of the transaction. Commits take the same lock
 * (see commitVersion), so alias edits, deletions and commits of one artifact take turns and never
 * interleave their read-modify-write of the alias table.
 */
async function lockCollection(trx: Trx, collectionId: string) {
  return trx
    .selectFrom("collections")
    .select(["id", "name", "default_ttl_ms"])
    .where("id", "=", collectionId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

/** alias → version number of every alias of a collection. */
async function aliasState(trx: Trx, collectionId: string): Promise<Map<string, number>> {
  const rows = await trx
    .selectFrom("aliases")
    .innerJoin("versions", "versions.id", "aliases.version_id")
    .select(["aliases.alias", "versions.number"])
    .where("aliases.collection_id", "=", collectionId)
    .execute();
  return new Map(rows.map((r) => [r.alias, r.number]));
}

// Changing a TTL can make versions expire (be deleted), so it needs the `delete` permission: in an
// `open` project anyone may write, but only members may destroy others' versions.
function assertMayChangeTtl(project: AccessibleProject): void {
  assertAccess({
    visibility: project.visibility,
    role: project.role,
    action: "delete",
    project: project.name,
  });
}

function defaultTtlOf(ms: number | null): TtlSetting | null {
  return ms === null ? null : { kind: "duration", ms: Number(ms) };
}

/**
 * Edits a version: description, metadata, tags, TTL (expiry recomputed from its creation time) and
 * the whole alias list — never its contents. Alias changes need `manage_aliases` (protected aliases:
 * admins) and are audit-logged, all in one transaction.
 */
export async function updateVersion(
  deps: ServiceDeps,
  actor: Actor | null,
  input: UpdateVersionInput,
): Promise<VersionInfo> {
  const target = await resolveSelector(deps, actor, input, "write");
  const { project } = target;
  const ttl = input.ttl === undefined ? undefined : parseTtlSetting(input.ttl);
  assertVersionFieldLimits(input, limitsOf(deps));
  const tags = input.tags === undefined ? undefined : [...new Set(input.tags.map(validateTag))];
  const now = nowOf(deps);
  await deps.db.transaction().execute(async (trx) => {
    const collection = await lockCollection(trx, target.collectionId);
    const version = await trx
      .selectFrom("versions")
      .select(["number", "created_at", "state", "ttl_policy", "ttl_ms"])
      .where("id", "=", target.versionId)
      .executeTakeFirstOrThrow();
    if (version.state !== "committed") throw deletedMeanwhile(input.ref);
    // Only a TTL that changes can make the version expire: resending the current one (a client
    // saving a new description) needs no delete permission.
    const ttlChanges =
      ttl !== undefined &&
      (ttl.kind !== version.ttl_policy ||
        (ttl.kind === "duration" && Number(version.ttl_ms) !== ttl.ms));
    if (ttlChanges) assertMayChangeTtl(project);
    const set: Updateable<Database["versions"]> = { updated_at: now };
    if (input.description !== undefined) set.description = input.description;
    if (input.metadata !== undefined) set.metadata = JSON.stringify(input.metadata);
    if (tags !== undefined) set.tags = tags;
    if (ttl !== undefined && ttlChanges) {
      set.ttl_policy = ttl.kind;
      set.ttl_ms = ttl.kind === "duration" ? ttl.ms : null;
      set.expires_at = effectiveExpiry({
        versionTtl: ttl,
        collectionDefaultTtl: defaultTtlOf(collection.default_ttl_ms),
        createdAt: version.created_at,
      });
    }
    await trx.updateTable("versions").set(set).where("id", "=", target.versionId).execute();
    if (input.aliases === undefined) return;

    const plan = setAliasesOf(
      await aliasState(trx, target.collectionId),
      version.number,
      input.aliases,
    );
    const changed = [...plan.removes, ...plan.moves, ...plan.adds].map((c) => c.alias);
    if (changed.length === 0) return;
    assertAccess({
      visibility: project.visibility,
      role: project.role,
      action: "manage_aliases",
      project: project.name,
    });
    assertMayMoveAliases(project, changed);
    const audit: AuditRecord[] = [];
    const base = {
      actorId: actor?.userId ?? null,
      projectId: project.id,
      collection: collection.name,
    };
    for (const removal of plan.removes) {
      await trx
        .deleteFrom("aliases")
        .where("collection_id", "=", target.collectionId)
        .where("alias", "=", removal.alias)
        .execute();
      audit.push({
        ...base,
        action: "alias.remove",
        alias: removal.alias,
        fromVersion: formatVersionAlias(removal.from),
      });
    }
    for (const move of [...plan.moves, ...plan.adds]) {
      await trx
        .insertInto("aliases")
        .values({
          collection_id: target.collectionId,
          alias: move.alias,
          version_id: target.versionId,
        })
        .onConflict((oc) =>
          oc
            .columns(["collection_id", "alias"])
            .doUpdateSet({ version_id: target.versionId, updated_at: now }),
        )
        .execute();
      audit.push({
        ...base,
        action: move.from === undefined ? "alias.set" : "alias.move",
        alias: move.alias,
        fromVersion: move.from === undefined ? null : formatVersionAlias(move.from),
        toVersion: formatVersionAlias(move.to),
      });
    }
    await recordAudit(trx, audit);
  });
  return loadVersionInfo(deps.db, target.versionId);
}

/** Points one alias at a version (moving it from another version), audit-logged. */
export async function setAlias(
  deps: ServiceDeps,
  actor: Actor | null,
  input: SetAliasInput,
): Promise<VersionInfo> {
  const target = await resolveSelector(deps, actor, input, "manage_aliases");
  const alias = validateAlias(input.alias);
  await deps.db.transaction().execute(async (trx) => {
    await lockCollection(trx, target.collectionId);
    const version = await trx
      .selectFrom("versions")
      .select(["number", "state"])
      .where("id", "=", target.versionId)
      .executeTakeFirstOrThrow();
    if (version.state !== "committed") throw deletedMeanwhile(input.ref);
    await applyAliasMoves(trx, {
      project: target.project,
      collectionId: target.collectionId,
      collectionName: target.collectionName,
      target: { versionId: target.versionId, number: version.number },
      requested: [alias],
      addLatest: false,
      actorId: actor?.userId ?? null,
    });
  });
  return loadVersionInfo(deps.db, target.versionId);
}

/**
 * Removes an alias from an artifact, audit-logged. Idempotent: removing an alias that is not set
 * answers `removedFrom: null`, so retried scripts do not fail.
 */
export async function removeAlias(
  deps: ServiceDeps,
  actor: Actor | null,
  input: RemoveAliasInput,
): Promise<{ alias: string; removedFrom: string | null }> {
  const project = await resolveProject(deps.db, actor, input, "manage_aliases");
  const name = validateArtifactName(input.name);
  const alias = validateAlias(input.alias);
  const collection = await findCollectionOrThrow(deps, project, name);
  const removedFrom = await deps.db.transaction().execute(async (trx) => {
    await lockCollection(trx, collection.id);
    const number = (await aliasState(trx, collection.id)).get(alias);
    if (number === undefined) return null;
    assertMayMoveAliases(project, [alias]);
    await trx
      .deleteFrom("aliases")
      .where("collection_id", "=", collection.id)
      .where("alias", "=", alias)
      .execute();
    const from = formatVersionAlias(number);
    await recordAudit(trx, [
      {
        actorId: actor?.userId ?? null,
        projectId: project.id,
        action: "alias.remove",
        collection: name,
        alias,
        fromVersion: from,
      },
    ]);
    return from;
  });
  return { alias, removedFrom };
}

/**
 * Deletes a version: refused with ALIASES_STILL_ATTACHED while aliases point at it unless
 * `deleteAliases`; then removes its aliases, marks it `deleted` (its number is never reused) and
 * audit-logs it. Its blobs stay until blob GC finds nothing else references them.
 */
export async function deleteVersion(
  deps: ServiceDeps,
  actor: Actor | null,
  input: DeleteVersionInput,
): Promise<VersionInfo> {
  const target = await resolveSelector(deps, actor, input, "delete");
  const now = nowOf(deps);
  await deps.db.transaction().execute(async (trx) => {
    await lockCollection(trx, target.collectionId);
    const version = await trx
      .selectFrom("versions")
      .select(["number", "state"])
      .where("id", "=", target.versionId)
      .executeTakeFirstOrThrow();
    if (version.state !== "committed") throw deletedMeanwhile(input.ref);
    const shown = `${target.collectionName}:${formatVersionAlias(version.number)}`;
    const aliases = (
      await trx
        .selectFrom("aliases")
        .select("alias")
        .where("version_id", "=", target.versionId)
        .orderBy("alias")
        .execute()
    ).map((a) => a.alias);
    assertDeletable({ aliases, deleteAliases: input.deleteAliases ?? false, version: shown });
    assertMayMoveAliases(target.project, aliases);
    await trx.deleteFrom("aliases").where("version_id", "=", target.versionId).execute();
    await trx
      .updateTable("versions")
      .set({ state: "deleted", deleted_at: now, updated_at: now })
      .where("id", "=", target.versionId)
      .execute();
    const base = {
      actorId: actor?.userId ?? null,
      projectId: target.project.id,
      collection: target.collectionName,
    };
    const from = formatVersionAlias(version.number);
    await recordAudit(trx, [
      ...aliases.map(
        (alias): AuditRecord => ({ ...base, action: "alias.remove", alias, fromVersion: from }),
      ),
      { ...base, action: "version.delete", fromVersion: from },
    ]);
  });
  return loadVersionInfo(deps.db, target.versionId);
}

/**
 * Edits an artifact's description and default TTL. A new default TTL recomputes, in one SQL
 * statement, the expiry of every committed version that inherits it (`created_at` + the default).
 */
export async function setCollection(
  deps: ServiceDeps,
  actor: Actor | null,
  input: SetCollectionInput,
): Promise<CollectionSummary> {
  const project = await resolveProject(deps.db, actor, input, "write");
  const name = validateArtifactName(input.name);
  const ttl = input.defaultTtl === undefined ? undefined : parseTtlSetting(input.defaultTtl);
  if (ttl !== undefined) assertMayChangeTtl(project);
  assertVersionFieldLimits({ description: input.description }, limitsOf(deps));
  const collection = await findCollectionOrThrow(deps, project, name);
  await deps.db.transaction().execute(async (trx) => {
    await lockCollection(trx, collection.id);
    const set: { description?: string | null; default_ttl_ms?: number | null } = {};
    if (input.description !== undefined) set.description = input.description;
    // `inherit` and `none` both mean "no default" at the collection level.
    const defaultMs = ttl === undefined ? undefined : ttl.kind === "duration" ? ttl.ms : null;
    if (defaultMs !== undefined) set.default_ttl_ms = defaultMs;
    if (Object.keys(set).length > 0) {
      await trx.updateTable("collections").set(set).where("id", "=", collection.id).execute();
    }
    if (defaultMs === undefined) return;
    await trx
      .updateTable("versions")
      .set({
        expires_at:
          defaultMs === null
            ? null
            : sql<Date>`created_at + ${defaultMs} * interval '1 millisecond'`,
      })
      .where("collection_id", "=", collection.id)
      .where("ttl_policy", "=", "inherit")
      .where("state", "=", "committed")
      .execute();
  });
  const [summary] = await collectionSummaries(deps.db, project.id, { name, limit: 1 });
  if (!summary) throw new CairnError("NOT_FOUND", `Artifact "${name}" was deleted meanwhile.`);
  return summary;
}

async function findCollectionOrThrow(deps: ServiceDeps, project: AccessibleProject, name: string) {
  const collection = await deps.db
    .selectFrom("collections")
    .select(["id", "name"])
    .where("project_id", "=", project.id)
    .where("name", "=", name)
    .executeTakeFirst();
  if (!collection) {
    throw new CairnError(
      "NOT_FOUND",
      `Artifact "${name}" does not exist in ${project.entityName}/${project.name}: check the name, or list artifacts with artifacts.listCollections.`,
    );
  }
  return collection;
}

function deletedMeanwhile(ref: string): CairnError {
  return new CairnError(
    "NOT_FOUND",
    `${ref} was deleted while this request ran: list versions to pick another.`,
  );
}
