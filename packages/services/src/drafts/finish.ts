import {
  CairnError,
  formatTtlSetting,
  isCairnError,
  jobIdFor,
  parseTtlSetting,
  validateAlias,
  validateArtifactName,
  validateArtifactType,
  validateTag,
} from "@cairn/core";
import { type JsonObject, notify } from "@cairn/db";
import { isPermanentFailure } from "@cairn/jobs";
import type { Actor } from "../actor.js";
import { assertMayMoveAliases, commitVersion } from "../artifacts/commit-version.js";
import { limitsOf, nowOf, type ServiceDeps } from "../deps.js";
import { emitEvents } from "../events/emit.js";
import {
  ACCESSIBLE_PROJECT_COLUMNS,
  type AccessibleProject,
  resolveProject,
} from "../projects/access.js";
import { mergeUpsertRows } from "./apply.js";
import type { FinishInput } from "./inputs.js";
import { baseDb, type DraftDb, type DraftLifecycle, draftDb } from "./schema.js";
import { assertRunExists } from "./upsert.js";

/**
 * Closes a draft to new upserts and asks a worker to commit it: status `finishing`, `finish_seq`
 * frozen at the last accepted upsert, and the requested aliases, metadata, description, tags and
 * TTL stored with the draft (the job may run in another process, or again after a crash).
 * Idempotent: finishing a finishing or finished draft changes nothing (the version is the one
 * already committed); a `failed` draft may be finished again (e.g. after uploading missing files).
 */
export async function requestDraftFinish(
  deps: ServiceDeps,
  actor: Actor | null,
  input: FinishInput,
): Promise<{ draftId: string }> {
  const project = await resolveProject(deps.db, actor, input, "write");
  const name = validateArtifactName(input.name);
  const type = validateArtifactType(input.type);
  const ttl = input.ttl === undefined ? null : formatTtlSetting(parseTtlSetting(input.ttl));
  const tags = [...new Set((input.tags ?? []).map(validateTag))];
  const aliases = [...new Set((input.aliases ?? []).map(validateAlias))];
  // Authorised now, with the caller's role; the job re-checks with the same stored role.
  assertMayMoveAliases(project, aliases);
  if (input.runId !== undefined) await assertRunExists(deps, project.id, input.runId, input);

  const { draftId, status } = await draftDb(deps.db)
    .transaction()
    .execute(async (trx) => {
      const draft = await trx
        .selectFrom("drafts")
        .select(["id", "type", "status", "last_accepted_seq"])
        .where("project_id", "=", project.id)
        .where("name", "=", name)
        .where("distributed_id", "=", input.distributedId)
        .forUpdate()
        .executeTakeFirst();
      if (!draft || Number(draft.last_accepted_seq) === 0) {
        throw new CairnError(
          "DRAFT_EMPTY",
          `Draft "${input.distributedId}" of artifact "${name}" has no upserts: upsert at least one file with this distributedId before finishing it.`,
          { details: { distributedId: input.distributedId } },
        );
      }
      if (draft.type !== type) {
        throw new CairnError(
          "NAME_TAKEN_BY_OTHER_TYPE",
          `Draft "${input.distributedId}" of artifact "${name}" is being built with type "${draft.type}", not "${type}": finish it with type "${draft.type}".`,
          { details: { existingType: draft.type, requestedType: type } },
        );
      }
      if (draft.status === "finishing" || draft.status === "finished") {
        return { draftId: draft.id, status: draft.status };
      }
      await trx
        .updateTable("drafts")
        .set({
          status: "finishing",
          finish_seq: Number(draft.last_accepted_seq),
          requested_description: input.description ?? null,
          requested_metadata: input.metadata === undefined ? null : JSON.stringify(input.metadata),
          requested_aliases: aliases,
          requested_tags: tags,
          requested_ttl: ttl,
          finish_run_id: input.runId ?? null,
          finished_by: actor?.userId ?? null,
          finish_role: project.role,
          failure_code: null,
          failure_message: null,
          updated_at: new Date(),
        })
        .where("id", "=", draft.id)
        .execute();
      return { draftId: draft.id, status: "finishing" as DraftLifecycle };
    });

  if (status !== "finished") {
    // Also on a repeated finish: re-enqueueing is a no-op while the job exists, and recovers a
    // finish whose enqueue failed before.
    try {
      await deps.jobs.enqueue("finish", { draftId }, { jobId: jobIdFor("finish", { draftId }) });
    } catch (error) {
      throw new CairnError(
        "UNAVAILABLE",
        `Draft ${draftId} is closed for finishing, but its commit job could not be queued (${error instanceof Error ? error.message : String(error)}): call finish again once the job queue is reachable.`,
        { cause: error, details: { draftId } },
      );
    }
  }
  return { draftId };
}

/** What the `finish` job did. */
export interface FinishDraftResult {
  status: DraftLifecycle;
  versionId: string | null;
  /** Upserts this run applied itself (their merge jobs had not run yet). */
  appliedUpserts: number;
}

/**
 * The `finish` job. In ONE transaction, holding the draft row: applies every upsert accepted up to
 * `finish_seq` that is still pending (the same idempotent merge as the `upsert` job), commits the
 * draft with `commitVersion` (lineage edges for every contributing run) and marks it finished.
 * A worker that dies half-way commits nothing, so another worker redoes it from scratch.
 * User mistakes (empty draft, name taken by another type, files never uploaded…) are stored on the
 * draft as `failed` for `draftStatus`, then rethrown so the job fails without retries; so is any
 * error on the last attempt (`lastAttempt`), so a draft never stays `finishing` for ever.
 */
export async function finishDraft(
  deps: ServiceDeps,
  payload: { draftId: string },
  options: { lastAttempt?: boolean } = {},
): Promise<FinishDraftResult> {
  try {
    return await draftDb(deps.db)
      .transaction()
      .execute((trx) => commitDraft(deps, trx, payload.draftId));
  } catch (error) {
    if (isPermanentFailure(error) || options.lastAttempt === true) {
      await recordFailure(deps, payload.draftId, error);
    }
    throw error;
  }
}

async function commitDraft(
  deps: ServiceDeps,
  trx: DraftDb,
  draftId: string,
): Promise<FinishDraftResult> {
  const draft = await trx
    .selectFrom("drafts")
    .selectAll()
    .where("id", "=", draftId)
    .forUpdate()
    .executeTakeFirst();
  if (!draft) {
    throw new CairnError(
      "NOT_FOUND",
      `Draft ${draftId} does not exist (its project may have been deleted).`,
    );
  }
  if (draft.status !== "finishing") {
    // A stale or duplicated job: the draft is still open (nothing asked), finished or failed.
    return { status: draft.status, versionId: draft.finished_version_id, appliedUpserts: 0 };
  }
  const finishSeq = Number(draft.finish_seq);
  const pending = await trx
    .selectFrom("draft_upserts")
    .select("seq")
    .where("draft_id", "=", draftId)
    .where("state", "=", "accepted")
    .where("seq", "<=", finishSeq)
    .orderBy("seq")
    .execute();
  for (const { seq } of pending) await mergeUpsertRows(trx, draftId, Number(seq));

  const project = await loadProject(trx, draft.project_id, draft.finish_role ?? "member");
  const result = await commitVersion(baseDb(trx), {
    project,
    actorId: draft.finished_by,
    name: draft.name,
    type: draft.type,
    description: draft.requested_description,
    metadata: (draft.requested_metadata ?? undefined) as JsonObject | undefined,
    tags: draft.requested_tags ?? [],
    ttl: draft.requested_ttl === null ? undefined : parseTtlSetting(draft.requested_ttl),
    aliases: draft.requested_aliases,
    runIds: await contributingRuns(trx, draftId, finishSeq, draft.finish_run_id),
    source: { kind: "draft", draftId },
    now: nowOf(deps),
    limits: limitsOf(deps),
  });
  const version = await trx
    .selectFrom("versions")
    .select("collection_id")
    .where("id", "=", result.versionId)
    .executeTakeFirstOrThrow();
  await trx
    .updateTable("drafts")
    .set({
      status: "finished",
      finished_version_id: result.versionId,
      collection_id: version.collection_id,
      finished_at: nowOf(deps),
      updated_at: new Date(),
    })
    .where("id", "=", draftId)
    .execute();
  await emitEvents(trx, { projectId: draft.project_id, actorId: draft.finished_by }, [
    {
      kind: "draft.finished",
      name: draft.name,
      type: draft.type,
      version: { number: result.number },
      distributedId: draft.distributed_id,
    },
  ]);
  // The manifest now holds the entries; the merged copy would only duplicate them.
  await trx.deleteFrom("draft_entries").where("draft_id", "=", draftId).execute();
  // Wakes draftStatus waiters in every process, at commit.
  await notify(trx, "draft", draftId);
  return { status: "finished", versionId: result.versionId, appliedUpserts: pending.length };
}

/** The finishing run first (it becomes `created_by_run`), then every upserting run by first seq. */
async function contributingRuns(
  trx: DraftDb,
  draftId: string,
  finishSeq: number,
  finishRunId: string | null,
): Promise<string[]> {
  const rows = await trx
    .selectFrom("draft_upserts")
    .select(({ fn }) => ["run_id", fn.min("seq").as("first")])
    .where("draft_id", "=", draftId)
    .where("seq", "<=", finishSeq)
    .where("run_id", "is not", null)
    .groupBy("run_id")
    .orderBy("first")
    .execute();
  const runs = rows.map((r) => r.run_id).filter((r): r is string => r !== null);
  return [...new Set(finishRunId === null ? runs : [finishRunId, ...runs])];
}

async function loadProject(
  trx: DraftDb,
  projectId: string,
  role: AccessibleProject["role"],
): Promise<AccessibleProject> {
  const row = await trx
    .selectFrom("projects")
    .innerJoin("entities", "entities.id", "projects.entity_id")
    .select(ACCESSIBLE_PROJECT_COLUMNS)
    .where("projects.id", "=", projectId)
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    name: row.name,
    entityId: row.entityId,
    entityName: row.entityName,
    visibility: row.visibility,
    protectedAliases: row.protected_aliases,
    description: row.description,
    createdAt: row.created_at,
    role,
  };
}

async function recordFailure(deps: ServiceDeps, draftId: string, error: unknown): Promise<void> {
  const code = isCairnError(error) ? error.code : "INTERNAL";
  const message = error instanceof Error ? error.message : String(error);
  const failureMessage = isCairnError(error)
    ? message
    : `The commit failed after every retry (${message}); call finish again to retry.`;
  await draftDb(deps.db)
    .transaction()
    .execute(async (trx) => {
      const failed = await trx
        .updateTable("drafts")
        .set({
          status: "failed",
          failure_code: code,
          failure_message: failureMessage,
          updated_at: new Date(),
        })
        .where("id", "=", draftId)
        .where("status", "=", "finishing")
        .returning(["project_id", "name", "type", "distributed_id", "finished_by"])
        .executeTakeFirst();
      if (!failed) return;
      await notify(trx, "draft", draftId);
      await emitEvents(baseDb(trx), { projectId: failed.project_id, actorId: failed.finished_by }, [
        {
          kind: "draft.failed",
          name: failed.name,
          type: failed.type,
          distributedId: failed.distributed_id,
          error: { code, message: failureMessage },
        },
      ]);
    });
}
