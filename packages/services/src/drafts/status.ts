import { setTimeout as sleep } from "node:timers/promises";
import { CairnError } from "@cairn/core";
import { turnBatch } from "@cairn/db";
import type { Actor } from "../actor.js";
import { loadVersionInfo, type VersionInfo } from "../artifacts/version-info.js";
import type { ServiceDeps } from "../deps.js";
import { resolveProject } from "../projects/access.js";
import type { DraftStatusInput } from "./inputs.js";
import { type DraftLifecycle, draftDb } from "./schema.js";
import { subscribeWakeup } from "./wake.js";

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

/** Without notifications, polling starts fast (a small finish takes milliseconds) and backs off to this. */
const MAX_POLL_MS = 500;
/**
 * With notifications, a waiter re-reads when the draft's commit notifies it, and otherwise checks
 * only this often: a lost notification (a dropped listen connection) delays the answer, nothing
 * more.
 */
export const FALLBACK_POLL_MS = 5_000;

/**
 * The fallback checks of every waiter of this process happen on one shared tick, so they fall in
 * the same event-loop turn and go to the database as ONE statement (`settledDrafts`): 1,000
 * waiting writers cost one query per tick instead of two each.
 */
let tick: Promise<void> | null = null;
function nextFallbackTick(): Promise<void> {
  if (tick === null) {
    tick = new Promise<void>((resolve) => {
      setTimeout(() => {
        tick = null;
        resolve();
      }, FALLBACK_POLL_MS).unref();
    });
  }
  return tick;
}

/** Per database handle: whether a draft is finished or failed, for all of a turn's drafts at once. */
const settledCheckers = new WeakMap<object, (draftId: string) => Promise<boolean>>();
function isSettled(deps: ServiceDeps, draftId: string): Promise<boolean> {
  let check = settledCheckers.get(deps.db);
  if (!check) {
    const db = draftDb(deps.db);
    check = turnBatch(
      async (ids: string[]) => {
        const rows = await db
          .selectFrom("drafts")
          .select("id")
          .where("id", "in", ids)
          .where("status", "in", ["finished", "failed"])
          .execute();
        const settled = new Set(rows.map((row) => row.id));
        return ids.map((id) => settled.has(id));
      },
      { keyOf: (id) => id },
    );
    settledCheckers.set(deps.db, check);
  }
  return check(draftId);
}

/**
 * A draft's status. With `waitMs`, long-polls until the draft is `finished` or `failed` or the
 * time is up. The commit that finishes or fails a draft sends a `draft` notification (PostgreSQL
 * NOTIFY, in its transaction), so the waiter sleeps until then, whichever server or worker process
 * commits, and re-reads once; a slow poll covers lost notifications. Without notifications it
 * polls. Readers of the draft's project may ask; a draft of a project the caller cannot see is
 * NOT_FOUND.
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
  const done = (snapshot: DraftStatusInfo) =>
    snapshot.status === "finished" || snapshot.status === "failed" || deadline <= Date.now();
  if (!deps.notifications || !input.waitMs) {
    let pause = 25;
    for (;;) {
      const snapshot = await snapshotOf(deps, input.draftId);
      if (done(snapshot)) return snapshot;
      await sleep(Math.min(pause, deadline - Date.now()));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }
  // Subscribed before the first read, so a commit between the read and the wait still wakes it.
  const wakeup = await subscribeWakeup(
    deps.notifications,
    "draft",
    (payload) => payload === input.draftId,
  );
  try {
    for (;;) {
      const snapshot = await snapshotOf(deps, input.draftId);
      if (done(snapshot)) return snapshot;
      // Until a notification, the deadline, or a fallback tick that finds the draft settled
      // (the notification was lost): only then is the whole status read again.
      for (;;) {
        const woken = await wakeup.wait(deadline - Date.now(), nextFallbackTick());
        if (woken || deadline <= Date.now() || (await isSettled(deps, input.draftId))) break;
      }
    }
  } finally {
    wakeup.close();
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
