import { setTimeout as sleep } from "node:timers/promises";
import { CairnError } from "@cairn/core";
import type { Actor } from "../actor.js";
import { loadVersionInfo, type VersionInfo } from "../artifacts/version-info.js";
import type { ServiceDeps } from "../deps.js";
import { resolveProject } from "../projects/access.js";
import type { DraftStatusInput } from "./inputs.js";
import { type DraftLifecycle, draftDb } from "./schema.js";

/** The answer of `artifacts.draftStatus`. */
export interface DraftStatusInfo {
  draftId: string;
  status: DraftLifecycle;
  /** The committed version, once `finished`. */
  version?: VersionInfo;
  /** Why the finish failed, once `failed` (what is wrong and how to fix it). */
  error?: string;
  /** The CairnError code of the failure, once `failed`. */
  errorCode?: string;
  /** Accepted upserts not merged yet. */
  pendingUpserts: number;
}

/** Polling starts fast (a finish of a small draft takes milliseconds) and backs off to this. */
const MAX_POLL_MS = 500;

/**
 * A draft's status. With `waitMs`, long-polls until the draft is `finished` or `failed` or the
 * time is up. It polls the database rather than waiting on an in-process event, so it answers
 * correctly whichever server or worker process commits the draft. Readers of the draft's project
 * may ask; a draft of a project the caller cannot see is NOT_FOUND.
 */
export async function readDraftStatus(
  deps: ServiceDeps,
  actor: Actor | null,
  input: DraftStatusInput,
): Promise<DraftStatusInfo> {
  const db = draftDb(deps.db);
  const draft = await db
    .selectFrom("drafts")
    .innerJoin("projects", "projects.id", "drafts.project_id")
    .innerJoin("entities", "entities.id", "projects.entity_id")
    .select(["drafts.id", "projects.name as project", "entities.name as entity"])
    .where("drafts.id", "=", input.draftId)
    .executeTakeFirst();
  const notFound = () =>
    new CairnError(
      "NOT_FOUND",
      `Draft ${input.draftId} was not found (or you cannot see its project): use the draftId returned by artifacts.upsert or artifacts.finish.`,
      { details: { draftId: input.draftId } },
    );
  if (!draft) throw notFound();
  try {
    await resolveProject(deps.db, actor, { entity: draft.entity, project: draft.project }, "read");
  } catch (error) {
    throw error instanceof CairnError && error.code === "NOT_FOUND" ? notFound() : error;
  }

  const deadline = Date.now() + (input.waitMs ?? 0);
  let pause = 25;
  for (;;) {
    const snapshot = await snapshotOf(deps, input.draftId);
    const remaining = deadline - Date.now();
    if (snapshot.status === "finished" || snapshot.status === "failed" || remaining <= 0)
      return snapshot;
    await sleep(Math.min(pause, remaining));
    pause = Math.min(pause * 2, MAX_POLL_MS);
  }
}

async function snapshotOf(deps: ServiceDeps, draftId: string): Promise<DraftStatusInfo> {
  const db = draftDb(deps.db);
  const row = await db
    .selectFrom("drafts")
    .select(["status", "finished_version_id", "failure_code", "failure_message"])
    .where("id", "=", draftId)
    .executeTakeFirstOrThrow();
  const pending = await db
    .selectFrom("draft_upserts")
    .select(({ fn }) => fn.countAll<number | string>().as("n"))
    .where("draft_id", "=", draftId)
    .where("state", "=", "accepted")
    .executeTakeFirstOrThrow();
  const info: DraftStatusInfo = { draftId, status: row.status, pendingUpserts: Number(pending.n) };
  if (row.status === "finished" && row.finished_version_id !== null) {
    info.version = await loadVersionInfo(deps.db, row.finished_version_id);
  }
  if (row.status === "failed") {
    info.error = row.failure_message ?? "The finish failed; call finish again to retry.";
    if (row.failure_code !== null) info.errorCode = row.failure_code;
  }
  return info;
}
