import { CairnError, type CairnEvent, validatePattern } from "@cairn/core";
import type { Actor } from "../actor.js";
import type { ServiceDeps } from "../deps.js";
import { resolveProject, roleIn } from "../projects/access.js";
import { resolveWebhookConfig } from "./config.js";
import type {
  CreateHookInput,
  DeliveriesInput,
  HookIdInput,
  ListEventsInput,
  ListHooksInput,
  RedeliverInput,
} from "./inputs.js";
import { generateSecret, sealSecret } from "./signing.js";
import { checkUrlForm, resolveTarget } from "./url-policy.js";

/** A webhook as the API shows it (never its secret, except once at creation/rotation). */
export interface HookInfo {
  id: string;
  entity: string;
  /** Null for an entity-wide hook (every project of the entity). */
  project: string | null;
  url: string;
  description: string | null;
  kinds: string[];
  namePattern: string | null;
  typePattern: string | null;
  aliasPattern: string | null;
  enabled: boolean;
  createdAt: string;
  /** Deliveries waiting / given up. */
  pending: number;
  failed: number;
}

/** A hook just created, with its signing secret (shown this once). */
export interface CreatedHook extends HookInfo {
  /** `whsec_…`: verify deliveries with it (Standard Webhooks). */
  secret: string;
}

/** One line of a hook's delivery log. */
export interface DeliveryInfo {
  id: number;
  eventId: string;
  eventType: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  responseExcerpt: string | null;
  latencyMs: number | null;
  createdAt: string;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
}

/** Who may manage hooks: the project's admins (`manage_project`), or the entity's for entity hooks. */
async function authorizeScope(
  deps: ServiceDeps,
  actor: Actor | null,
  scope: { entity: string; project?: string | undefined },
): Promise<{ entityId: string; projectId: string | null }> {
  if (scope.project !== undefined) {
    const project = await resolveProject(
      deps.db,
      actor,
      { entity: scope.entity, project: scope.project },
      "manage_project",
    );
    return { entityId: project.entityId, projectId: project.id };
  }
  const entity = await deps.db
    .selectFrom("entities")
    .select("id")
    .where("name", "=", scope.entity)
    .executeTakeFirst();
  if (!entity || (await roleIn(deps.db, actor, entity.id)) !== "admin") {
    throw new CairnError(
      entity && actor ? "FORBIDDEN" : "NOT_FOUND",
      `Entity ${scope.entity} was not found or you are not its admin: entity-wide hooks are managed by the entity's admins (give a project to create a project hook).`,
    );
  }
  return { entityId: entity.id, projectId: null };
}

/** Loads a hook and checks the caller may manage it; unknown and unmanageable look alike. */
async function manageableHook(deps: ServiceDeps, actor: Actor | null, id: string) {
  const hook = await deps.db
    .selectFrom("webhooks")
    .innerJoin("entities", "entities.id", "webhooks.entity_id")
    .leftJoin("projects", "projects.id", "webhooks.project_id")
    .select(["webhooks.id", "entities.name as entity", "projects.name as project"])
    .where("webhooks.id", "=", id)
    .executeTakeFirst();
  const notFound = new CairnError(
    "NOT_FOUND",
    `Webhook ${id} was not found (or you may not manage it): list hooks with \`cairn hooks ls\`.`,
  );
  if (!hook) throw notFound;
  try {
    await authorizeScope(deps, actor, { entity: hook.entity, project: hook.project ?? undefined });
  } catch (error) {
    throw error instanceof CairnError && error.code === "FORBIDDEN" ? error : notFound;
  }
  return hook;
}

/** Creates a hook; the answer carries its signing secret — shown this once. */
async function create(
  deps: ServiceDeps,
  actor: Actor | null,
  input: CreateHookInput,
): Promise<CreatedHook> {
  const { entityId, projectId } = await authorizeScope(deps, actor, input);
  const config = resolveWebhookConfig(deps.webhooks);
  checkUrlForm(config.policy, input.url);
  await resolveTarget(config.policy, input.url); // refuse internal targets now, not at delivery
  const secret = generateSecret();
  const row = await deps.db
    .insertInto("webhooks")
    .values({
      entity_id: entityId,
      project_id: projectId,
      url: input.url,
      description: input.description ?? null,
      kinds: [...new Set(input.kinds ?? [])],
      name_pattern:
        input.namePattern === undefined
          ? null
          : validatePattern(input.namePattern, "Artifact name"),
      type_pattern:
        input.typePattern === undefined
          ? null
          : validatePattern(input.typePattern, "Artifact type"),
      alias_pattern:
        input.aliasPattern === undefined ? null : validatePattern(input.aliasPattern, "Alias"),
      secrets: [sealSecret(deps.signingSecret, secret)],
      created_by: actor?.userId ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const [info] = await hookInfos(deps, [row.id]);
  if (!info) throw new CairnError("NOT_FOUND", `Webhook ${row.id} vanished while being created.`);
  return { ...info, secret };
}

async function hookInfos(deps: ServiceDeps, ids: readonly string[]): Promise<HookInfo[]> {
  if (ids.length === 0) return [];
  const rows = await deps.db
    .selectFrom("webhooks as w")
    .innerJoin("entities as e", "e.id", "w.entity_id")
    .leftJoin("projects as p", "p.id", "w.project_id")
    .select((eb) => [
      "w.id",
      "e.name as entity",
      "p.name as project",
      "w.url",
      "w.description",
      "w.kinds",
      "w.name_pattern",
      "w.type_pattern",
      "w.alias_pattern",
      "w.enabled",
      "w.created_at",
      eb
        .selectFrom("webhook_deliveries as d")
        .select((e) => e.fn.countAll<string>().as("n"))
        .whereRef("d.webhook_id", "=", "w.id")
        .where("d.status", "=", "pending")
        .as("pending"),
      eb
        .selectFrom("webhook_deliveries as d")
        .select((e) => e.fn.countAll<string>().as("n"))
        .whereRef("d.webhook_id", "=", "w.id")
        .where("d.status", "=", "failed")
        .as("failed"),
    ])
    .where("w.id", "in", ids)
    .orderBy("w.created_at")
    .orderBy("w.id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    entity: r.entity,
    project: r.project,
    url: r.url,
    description: r.description,
    kinds: r.kinds,
    namePattern: r.name_pattern,
    typePattern: r.type_pattern,
    aliasPattern: r.alias_pattern,
    enabled: r.enabled,
    createdAt: r.created_at.toISOString(),
    pending: Number(r.pending ?? 0),
    failed: Number(r.failed ?? 0),
  }));
}

/** The hooks of a project (and the entity-wide ones that apply to it), or of an entity. */
async function list(
  deps: ServiceDeps,
  actor: Actor | null,
  input: ListHooksInput,
): Promise<HookInfo[]> {
  const { entityId, projectId } = await authorizeScope(deps, actor, input);
  let query = deps.db.selectFrom("webhooks").select("id").where("entity_id", "=", entityId);
  query =
    projectId === null
      ? query
      : query.where((eb) =>
          eb.or([eb("project_id", "=", projectId), eb("project_id", "is", null)]),
        );
  const ids = (await query.execute()).map((r) => r.id);
  return hookInfos(deps, ids);
}

/** Deletes a hook and its delivery log. */
async function remove(
  deps: ServiceDeps,
  actor: Actor | null,
  input: HookIdInput,
): Promise<{ id: string }> {
  await manageableHook(deps, actor, input.id);
  await deps.db.deleteFrom("webhooks").where("id", "=", input.id).execute();
  return { id: input.id };
}

/**
 * Rotates a hook's signing secret: the new one signs from now on, and the old one keeps signing
 * beside it (two `v1,` signatures) for the grace period, so receivers can switch without a gap.
 */
async function rotate(
  deps: ServiceDeps,
  actor: Actor | null,
  input: HookIdInput,
): Promise<{ id: string; secret: string; previousValidUntil: string }> {
  await manageableHook(deps, actor, input.id);
  const { rotationGraceMs } = resolveWebhookConfig(deps.webhooks);
  const secret = generateSecret();
  const until = new Date(Date.now() + rotationGraceMs);
  const current = await deps.db
    .selectFrom("webhooks")
    .select("secrets")
    .where("id", "=", input.id)
    .executeTakeFirstOrThrow();
  await deps.db
    .updateTable("webhooks")
    .set({
      secrets: [sealSecret(deps.signingSecret, secret), ...current.secrets.slice(0, 1)],
      previous_secret_expires_at: until,
    })
    .where("id", "=", input.id)
    .execute();
  return { id: input.id, secret, previousValidUntil: until.toISOString() };
}

/** A hook's delivery log, newest first. */
async function deliveries(
  deps: ServiceDeps,
  actor: Actor | null,
  input: DeliveriesInput,
): Promise<{ deliveries: DeliveryInfo[] }> {
  await manageableHook(deps, actor, input.id);
  let query = deps.db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("events as e", "e.id", "d.event_id")
    .select([
      "d.id",
      "d.event_id",
      "e.kind",
      "d.status",
      "d.attempts",
      "d.last_status",
      "d.last_error",
      "d.response_excerpt",
      "d.latency_ms",
      "d.created_at",
      "d.delivered_at",
      "d.next_attempt_at",
    ])
    .where("d.webhook_id", "=", input.id)
    .orderBy("d.id", "desc")
    .limit(input.limit ?? 100);
  if (input.status !== undefined) query = query.where("d.status", "=", input.status);
  if (input.before !== undefined) query = query.where("d.id", "<", input.before);
  const rows = await query.execute();
  return {
    deliveries: rows.map((r) => ({
      id: Number(r.id),
      eventId: r.event_id,
      eventType: r.kind,
      status: r.status,
      attempts: r.attempts,
      lastStatus: r.last_status,
      lastError: r.last_error,
      responseExcerpt: r.response_excerpt,
      latencyMs: r.latency_ms,
      createdAt: r.created_at.toISOString(),
      deliveredAt: r.delivered_at?.toISOString() ?? null,
      nextAttemptAt: r.status === "pending" ? r.next_attempt_at.toISOString() : null,
    })),
  };
}

/**
 * Sends one delivery's event again (same event id, so receivers can dedupe): queued as a new
 * delivery behind the hook's pending ones, so order and the retry policy still apply.
 */
async function redeliver(
  deps: ServiceDeps,
  actor: Actor | null,
  input: RedeliverInput,
): Promise<{ deliveryId: number }> {
  await manageableHook(deps, actor, input.id);
  const original = await deps.db
    .selectFrom("webhook_deliveries")
    .select("event_id")
    .where("id", "=", input.deliveryId)
    .where("webhook_id", "=", input.id)
    .executeTakeFirst();
  if (!original) {
    throw new CairnError(
      "NOT_FOUND",
      `Delivery ${input.deliveryId} of webhook ${input.id} was not found: list them with \`cairn hooks deliveries ${input.id}\`.`,
    );
  }
  const row = await deps.db
    .insertInto("webhook_deliveries")
    .values({ webhook_id: input.id, event_id: original.event_id })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { deliveryId: Number(row.id) };
}

/** A page of the event feed. */
export interface EventPage {
  /** Oldest first. */
  events: CairnEvent[];
  /** The seq of the last event of the page (`after` when the page is empty). */
  lastSeq: number;
  /**
   * Highest seq pruned from this project so far (0: none): a reader whose position is below it
   * missed pruned events. Read after the page, so a prune racing the read is never hidden.
   */
  prunedThrough: number;
  /** The retention that pruned them (ms), or null when nothing was pruned. */
  retentionMs: number | null;
}

/** A page of a project's events after `after` (a seq), oldest first; readers of the project only. */
async function listEvents(
  deps: ServiceDeps,
  actor: Actor | null,
  input: ListEventsInput,
): Promise<EventPage> {
  const project = await resolveProject(deps.db, actor, input, "read");
  const rows = await deps.db
    .selectFrom("events")
    .select(["payload", "seq"])
    .where("project_id", "=", project.id)
    .where("seq", ">", input.after ?? 0)
    .orderBy("seq")
    .limit(input.limit ?? 100)
    .execute();
  const events = rows.map((r) => r.payload as CairnEvent);
  const horizon = await deps.db
    .selectFrom("event_streams")
    .select(["pruned_through_seq", "pruned_retention_ms"])
    .where("project_id", "=", project.id)
    .executeTakeFirst();
  return {
    events,
    lastSeq: rows.length > 0 ? Number(rows[rows.length - 1]?.seq) : (input.after ?? 0),
    prunedThrough: Number(horizon?.pruned_through_seq ?? 0),
    retentionMs: horizon?.pruned_retention_ms == null ? null : Number(horizon.pruned_retention_ms),
  };
}

/** Webhooks (management, delivery log, redelivery) and the event feed of a project. */
export function createHooksService(deps: ServiceDeps) {
  return {
    create: (actor: Actor | null, input: CreateHookInput) => create(deps, actor, input),
    list: (actor: Actor | null, input: ListHooksInput) => list(deps, actor, input),
    remove: (actor: Actor | null, input: HookIdInput) => remove(deps, actor, input),
    rotate: (actor: Actor | null, input: HookIdInput) => rotate(deps, actor, input),
    deliveries: (actor: Actor | null, input: DeliveriesInput) => deliveries(deps, actor, input),
    redeliver: (actor: Actor | null, input: RedeliverInput) => redeliver(deps, actor, input),
    events: (actor: Actor | null, input: ListEventsInput) => listEvents(deps, actor, input),
  };
}
