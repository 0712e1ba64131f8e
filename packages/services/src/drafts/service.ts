import type { Actor } from "../actor.js";
import type { ServiceDeps } from "../deps.js";
import { applyAcceptedUpsert } from "./apply.js";
import { finishDraft, requestDraftFinish } from "./finish.js";
import type { DraftStatusInput, FinishInput, UpsertInput } from "./inputs.js";
import { readDraftStatus } from "./status.js";
import { acceptDraftUpsert } from "./upsert.js";

/**
 * Distributed drafts: many writers sharing a `distributedId` upsert files into one draft, one of
 * them finishes it, and jobs merge and commit. The request side (`upsert`, `finish`, `status`)
 * runs in the API; `applyUpsert` and `commit` are the `upsert` and `finish` job processors.
 */
export function createDraftsService(deps: ServiceDeps) {
  return {
    /** Records one writer's entries (durably, before answering) and queues their merge. */
    upsert: (actor: Actor | null, input: UpsertInput) => acceptDraftUpsert(deps, actor, input),
    /** Closes the draft and queues its commit; idempotent. */
    finish: (actor: Actor | null, input: FinishInput) => requestDraftFinish(deps, actor, input),
    /** The draft's status, optionally long-polling until it is finished or failed. */
    status: (actor: Actor | null, input: DraftStatusInput) => readDraftStatus(deps, actor, input),
    /** `upsert` job: merges one accepted upsert (idempotent). */
    applyUpsert: (payload: { draftId: string; seq: number }) =>
      applyAcceptedUpsert(deps.db, payload),
    /** `finish` job: applies what is pending and commits the draft as a version. */
    commit: (payload: { draftId: string }, options?: { lastAttempt?: boolean }) =>
      finishDraft(deps, payload, options),
  };
}

export type DraftsService = ReturnType<typeof createDraftsService>;
