import {
  assertSameType,
  CairnError,
  jobIdFor,
  type ManifestEntry,
  validateArtifactName,
  validateArtifactType,
} from "@cairn/core";
import type { Actor } from "../actor.js";
import { assertEntryShape } from "../artifacts/commit-version.js";
import type { ServiceDeps } from "../deps.js";
import { silentLogger } from "../deps.js";
import { resolveProject } from "../projects/access.js";
import type { UpsertInput } from "./inputs.js";
import { type DraftDb, type DraftLifecycle, draftDb } from "./schema.js";

/**
 * Accepts one writer's contribution to a distributed draft: validates it, then in ONE transaction
 * finds or creates the draft, refuses it when the draft no longer accepts upserts, takes the next
 * acceptance seq under the draft's row lock and records the upsert. Only then is the merge job
 * enqueued: acceptance is durable once this returns, and a lost job is harmless because finish
 * applies every accepted upsert itself.
 */
export async function acceptDraftUpsert(
  deps: ServiceDeps,
  actor: Actor | null,
  input: UpsertInput,
): Promise<{ draftId: string; seq: number }> {
  const project = await resolveProject(deps.db, actor, input, "write");
  const name = validateArtifactName(input.name);
  const type = validateArtifactType(input.type);
  assertEntries(input.entries);
  if (input.runId !== undefined) await assertRunExists(deps, project.id, input.runId, input);

  const accepted = await draftDb(deps.db)
    .transaction()
    .execute(async (trx) => {
      const draft = await lockDraft(trx, {
        projectId: project.id,
        name,
        type,
        distributedId: input.distributedId,
        createdBy: actor?.userId ?? null,
      });
      if (draft.status !== "open") throw await draftClosedError(trx, draft);
      const seq = draft.last_accepted_seq + 1;
      await trx
        .updateTable("drafts")
        .set({ last_accepted_seq: seq, updated_at: new Date() })
        .where("id", "=", draft.id)
        .execute();
      await trx
        .insertInto("draft_upserts")
        .values({
          draft_id: draft.id,
          seq,
          run_id: input.runId ?? null,
          entries: JSON.stringify(input.entries),
        })
        .execute();
      return { draftId: draft.id, seq };
    });

  try {
    await deps.jobs.enqueue("upsert", accepted, { jobId: jobIdFor("upsert", accepted) });
  } catch (error) {
    // The upsert is recorded; finish applies whatever was never merged, so the writer succeeds.
    (deps.logger ?? silentLogger).warn(
      { err: error, ...accepted },
      "upsert accepted but its merge job could not be enqueued; finish will apply it",
    );
  }
  return accepted;
}

/** A draft row as {@link lockDraft} returns it. */
export interface LockedDraft {
  id: string;
  name: string;
  type: string;
  distributed_id: string;
  status: DraftLifecycle;
  last_accepted_seq: number;
  finish_seq: number | null;
  finished_version_id: string | null;
}

/**
 * Finds or creates the draft of (project, name, distributedId) and locks its row
 * (`for no key update`: acceptances take turns, merges holding `for key share` are not blocked).
 * A name held by another type — as a committed artifact or by this draft — is refused.
 */
export async function lockDraft(
  trx: DraftDb,
  key: {
    projectId: string;
    name: string;
    type: string;
    distributedId: string;
    createdBy: string | null;
  },
): Promise<LockedDraft> {
  const collection = await trx
    .selectFrom("collections")
    .select("type")
    .where("project_id", "=", key.projectId)
    .where("name", "=", key.name)
    .executeTakeFirst();
  assertSameType({ name: key.name, existingType: collection?.type, requestedType: key.type });
  await trx
    .insertInto("drafts")
    .values({
      project_id: key.projectId,
      name: key.name,
      type: key.type,
      distributed_id: key.distributedId,
      created_by: key.createdBy,
    })
    .onConflict((oc) => oc.columns(["project_id", "name", "distributed_id"]).doNothing())
    .execute();
  const draft = await trx
    .selectFrom("drafts")
    .select([
      "id",
      "type",
      "status",
      "last_accepted_seq",
      "finish_seq",
      "finished_version_id",
      "name",
      "distributed_id",
    ])
    .where("project_id", "=", key.projectId)
    .where("name", "=", key.name)
    .where("distributed_id", "=", key.distributedId)
    .forNoKeyUpdate()
    .executeTakeFirstOrThrow();
  assertSameType({ name: key.name, existingType: draft.type, requestedType: key.type });
  return { ...draft, last_accepted_seq: Number(draft.last_accepted_seq) };
}

/** DRAFT_FINISHED for a draft that is finishing, finished (as vN) or failed. */
export async function draftClosedError(
  trx: DraftDb,
  draft: {
    status: string;
    finished_version_id: string | null;
    finish_seq: number | null;
    name: string;
    distributed_id: string;
  },
): Promise<CairnError> {
  const label = `Draft "${draft.distributed_id}" of artifact "${draft.name}"`;
  const fix = "it accepts no more upserts. Use a new distributedId to build another version.";
  if (draft.status === "finished") {
    const version = draft.finished_version_id
      ? await trx
          .selectFrom("versions")
          .select("number")
          .where("id", "=", draft.finished_version_id)
          .executeTakeFirst()
      : undefined;
    const as = version ? ` as v${version.number}` : "";
    return new CairnError("DRAFT_FINISHED", `${label} was already finished${as}: ${fix}`, {
      details: { status: draft.status, version: version?.number },
    });
  }
  const state =
    draft.status === "failed"
      ? "failed to finish (see artifacts.draftStatus)"
      : `is finishing (closed after upsert #${String(draft.finish_seq)})`;
  return new CairnError("DRAFT_FINISHED", `${label} ${state}: ${fix}`, {
    details: { status: draft.status, finishSeq: draft.finish_seq },
  });
}

function assertEntries(entries: readonly ManifestEntry[]): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    assertEntryShape(entry);
    if (seen.has(entry.path)) {
      throw new CairnError(
        "DUPLICATE_PATH",
        `Path "${entry.path}" appears twice in one upsert: list each path once (a later upsert may replace it).`,
        { details: { path: entry.path } },
      );
    }
    seen.add(entry.path);
  }
}

/** NOT_FOUND for a run that is not in the project (checked early: finish would fail on it later). */
export async function assertRunExists(
  deps: ServiceDeps,
  projectId: string,
  runId: string,
  ref: { entity: string; project: string },
): Promise<void> {
  const run = await deps.db
    .selectFrom("runs")
    .select("id")
    .where("project_id", "=", projectId)
    .where("id", "=", runId)
    .executeTakeFirst();
  if (!run) {
    throw new CairnError(
      "NOT_FOUND",
      `Run ${runId} does not exist in ${ref.entity}/${ref.project}: start it with runs.init before upserting from it.`,
      { details: { runId } },
    );
  }
}
