import { randomUUID } from "node:crypto";
import {
  type CairnEvent,
  type EventData,
  type EventKind,
  type EventVersion,
  formatVersionAlias,
  hookMatches,
} from "@cairn/core";
import { type Database, notify } from "@cairn/db";
import { type Kysely, sql, type Transaction } from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

/** A version named by number; its digest is looked up when not given. */
export interface VersionMention {
  number: number;
  digest?: string;
}

const emittedListeners = new Set<() => void>();

/**
 * Calls `listener` whenever this process emits events (before their transaction commits), so a
 * polling dispatcher (no notifications) in the same process can look for new deliveries a few
 * milliseconds later instead of at its next poll. Returns the unsubscribe function.
 */
export function onEventsEmitted(listener: () => void): () => void {
  emittedListeners.add(listener);
  return () => emittedListeners.delete(listener);
}

/** One event to emit, before the project, type and digests are filled in. */
export interface EventDraft {
  kind: EventKind;
  /** Artifact name. */
  name: string;
  /** Artifact type; looked up from the artifact when absent. */
  type?: string;
  version?: VersionMention;
  alias?: string;
  from?: VersionMention | null;
  to?: VersionMention | null;
  distributedId?: string;
  error?: { code: string; message: string };
}

/** Where and by whom: the project the events belong to and the acting user (null: a sweep). */
export interface EmitContext {
  projectId: string;
  actorId: string | null;
  now?: Date;
}

/**
 * Writes events into the transactional outbox, in the caller's transaction (so they commit or roll
 * back with the change), and queues one delivery per matching webhook. Bumping the project's
 * `event_streams` row first takes its row lock until commit, so per project the `seq` order is the
 * commit order — which SSE resumption and in-order webhook delivery rely on.
 */
export async function emitEvents(
  trx: Db,
  ctx: EmitContext,
  drafts: readonly EventDraft[],
): Promise<CairnEvent[]> {
  if (drafts.length === 0) return [];
  const project = await trx
    .selectFrom("projects")
    .innerJoin("entities", "entities.id", "projects.entity_id")
    .select(["projects.name", "entities.id as entityId", "entities.name as entityName"])
    .where("projects.id", "=", ctx.projectId)
    .executeTakeFirstOrThrow();
  const actor =
    ctx.actorId === null
      ? null
      : ((await trx
          .selectFrom("entities")
          .select(["id", "name"])
          .where("id", "=", ctx.actorId)
          .executeTakeFirst()) ?? null);
  const versions = await lookupVersions(trx, ctx.projectId, drafts);

  const counter = await sql<{ last_seq: string | number }>`
    insert into event_streams (project_id, last_seq) values (${ctx.projectId}, ${drafts.length})
    on conflict (project_id) do update set last_seq = event_streams.last_seq + ${drafts.length}
    returning last_seq`.execute(trx);
  const last = Number(counter.rows[0]?.last_seq);
  const first = last - drafts.length + 1;
  const timestamp = (ctx.now ?? new Date()).toISOString();

  const events = drafts.map((draft, i): CairnEvent => {
    const found = versions.get(draft.name);
    const ref = (mention: VersionMention): EventVersion => {
      const label = formatVersionAlias(mention.number);
      return {
        version: label,
        ref: `${project.entityName}/${project.name}/${draft.name}:${label}`,
        digest: mention.digest ?? found?.digests.get(mention.number) ?? "",
      };
    };
    const data: EventData = {
      entity: project.entityName,
      project: project.name,
      name: draft.name,
      type: draft.type ?? found?.type ?? "",
    };
    if (draft.version) data.version = ref(draft.version);
    if (draft.alias !== undefined) data.alias = draft.alias;
    if (draft.from !== undefined) data.from = draft.from === null ? null : ref(draft.from);
    if (draft.to !== undefined) {
      data.to = draft.to === null ? null : ref(draft.to);
      if (draft.to !== null) data.version = ref(draft.to);
    }
    if (draft.distributedId !== undefined) data.distributedId = draft.distributedId;
    if (draft.error !== undefined) data.error = draft.error;
    return {
      id: `evt_${randomUUID().replaceAll("-", "")}`,
      type: draft.kind,
      timestamp,
      seq: first + i,
      actor: actor && { id: actor.id, name: actor.name },
      data,
    };
  });

  await trx
    .insertInto("events")
    .values(
      events.map((e) => ({
        id: e.id,
        project_id: ctx.projectId,
        seq: e.seq,
        kind: e.type,
        actor_entity_id: actor?.id ?? null,
        payload: JSON.stringify(e),
        created_at: timestamp,
      })),
    )
    .execute();
  if (await queueDeliveries(trx, ctx.projectId, project.entityId, events)) {
    for (const listener of emittedListeners) listener();
  }
  return events;
}

async function queueDeliveries(
  trx: Db,
  projectId: string,
  entityId: string,
  events: readonly CairnEvent[],
): Promise<boolean> {
  const hooks = await trx
    .selectFrom("webhooks")
    .select(["id", "kinds", "name_pattern", "type_pattern", "alias_pattern"])
    .where("enabled", "=", true)
    .where((eb) =>
      eb.or([
        eb("project_id", "=", projectId),
        eb.and([eb("project_id", "is", null), eb("entity_id", "=", entityId)]),
      ]),
    )
    .orderBy("id")
    .execute();
  if (hooks.length === 0) return false;
  const rows: Array<{ webhook_id: string; event_id: string }> = [];
  // Event order first: a hook's deliveries get ids in the order of the project's events.
  for (const event of events) {
    for (const hook of hooks) {
      const filter = {
        kinds: hook.kinds,
        namePattern: hook.name_pattern,
        typePattern: hook.type_pattern,
        aliasPattern: hook.alias_pattern,
      };
      if (hookMatches(filter, event)) rows.push({ webhook_id: hook.id, event_id: event.id });
    }
  }
  if (rows.length === 0) return false;
  await trx.insertInto("webhook_deliveries").values(rows).execute();
  // Wakes the dispatchers of every process at commit.
  await notify(trx, "outbox", projectId);
  return true;
}

/** Artifact type and the digests of the mentioned version numbers, per artifact name. */
async function lookupVersions(
  trx: Db,
  projectId: string,
  drafts: readonly EventDraft[],
): Promise<Map<string, { type: string; digests: Map<number, string> }>> {
  const wanted = new Map<string, Set<number>>();
  for (const d of drafts) {
    const numbers = wanted.get(d.name) ?? new Set<number>();
    for (const m of [d.version, d.from, d.to]) {
      if (m && m.digest === undefined) numbers.add(m.number);
    }
    if (d.type === undefined || numbers.size > 0) wanted.set(d.name, numbers);
  }
  const out = new Map<string, { type: string; digests: Map<number, string> }>();
  for (const [name, numbers] of wanted) {
    const collection = await trx
      .selectFrom("collections")
      .select(["id", "type"])
      .where("project_id", "=", projectId)
      .where("name", "=", name)
      .executeTakeFirst();
    if (!collection) continue;
    const digests = new Map<number, string>();
    if (numbers.size > 0) {
      const rows = await trx
        .selectFrom("versions")
        .select(["number", "digest"])
        .where("collection_id", "=", collection.id)
        .where("number", "in", [...numbers])
        .execute();
      for (const r of rows) digests.set(r.number, r.digest);
    }
    out.set(name, { type: collection.type, digests });
  }
  return out;
}
