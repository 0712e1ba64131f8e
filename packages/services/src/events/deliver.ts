import { CairnError, isCairnError, type WebhookDeliverJob } from "@cairn/core";
import { notify } from "@cairn/db";
import { sql } from "kysely";
import type { ServiceDeps } from "../deps.js";
import { resolveWebhookConfig } from "./config.js";
import { postJson } from "./http-post.js";
import { openSecret, signedHeaders } from "./signing.js";
import { resolveTarget } from "./url-policy.js";

/** Deliveries one job sends at most before leaving the rest to the next job (fairness). */
const PER_JOB = 500;

/** What one `webhook-deliver` job did. */
export interface DeliverResult {
  delivered: number;
  failed: number;
  /** True when it stopped at a delivery waiting for its retry. */
  waiting: boolean;
}

/**
 * The `webhook-deliver` job: sends a hook's pending deliveries one at a time in id order (the
 * project's commit order), so a receiver sees events in order. Each try first claims the delivery
 * (attempts + 1, a lease) so a worker that dies mid-request leaves a claim that lapses and a new
 * job id for the dispatcher to queue; a failure schedules the retry (exponential backoff) and stops
 * here — later events wait behind it — until the retry limit marks it `failed` and the hook moves
 * on. At-least-once: a receiver may see an event id twice and should dedupe on `webhook-id`.
 */
export async function deliverHook(
  deps: ServiceDeps,
  payload: WebhookDeliverJob,
): Promise<DeliverResult> {
  const config = resolveWebhookConfig(deps.webhooks);
  const result: DeliverResult = { delivered: 0, failed: 0, waiting: false };
  const hook = await deps.db
    .selectFrom("webhooks")
    .select(["id", "url", "secrets", "previous_secret_expires_at", "enabled"])
    .where("id", "=", payload.hookId)
    .executeTakeFirst();
  if (!hook?.enabled) return result;

  for (let i = 0; i < PER_JOB; i++) {
    const claimed = await claimHead(deps, hook.id, config.leaseMs);
    if (claimed === "none") return result;
    if (claimed === "waiting") return { ...result, waiting: true };
    // Wall clock, not deps.now: receivers compare webhook-timestamp with their own clock.
    const now = new Date();
    const secrets = hook.secrets
      .filter(
        (_, index) =>
          index === 0 ||
          (hook.previous_secret_expires_at !== null && hook.previous_secret_expires_at > now),
      )
      .map((sealed) => openSecret(deps.signingSecret, sealed));
    const body = JSON.stringify(claimed.payload);
    let outcome: { status: number; excerpt: string; error: string | null; latencyMs: number };
    try {
      const target = await resolveTarget(config.policy, hook.url);
      outcome = await postJson(
        target.url,
        target.address,
        target.family,
        signedHeaders(secrets, claimed.eventId, now, body),
        body,
        config.timeoutMs,
      );
    } catch (error) {
      const message = isCairnError(error) ? error.message : "the request could not be sent";
      outcome = { status: 0, excerpt: "", error: message, latencyMs: 0 };
    }
    const ok = outcome.status >= 200 && outcome.status < 300;
    const exhausted = !ok && claimed.attempts >= config.maxAttempts;
    const retryIn = Math.min(config.maxBackoffMs, config.backoffMs * 2 ** (claimed.attempts - 1));
    await deps.db
      .updateTable("webhook_deliveries")
      .set({
        status: ok ? "delivered" : exhausted ? "failed" : "pending",
        lease_until: null,
        last_status: outcome.status === 0 ? null : outcome.status,
        last_error: ok
          ? null
          : (outcome.error ?? `the receiver answered HTTP ${outcome.status}, not 2xx`),
        response_excerpt: outcome.excerpt,
        latency_ms: outcome.latencyMs,
        delivered_at: ok ? new Date() : null,
        next_attempt_at:
          ok || exhausted
            ? sql<Date>`now()`
            : sql<Date>`now() + ${`${retryIn} milliseconds`}::interval`,
        updated_at: new Date(),
      })
      .where("id", "=", claimed.id)
      .execute();
    if (ok) result.delivered += 1;
    else if (exhausted) result.failed += 1;
    else {
      // A retry is scheduled: dispatchers learn its due time now, not at their fallback poll.
      await notify(deps.db, "outbox", hook.id);
      return { ...result, waiting: true };
    }
  }
  // More may be pending behind this job's share: a dispatcher queues the next job at once.
  await notify(deps.db, "outbox", hook.id);
  return result;
}

type Claim =
  | "none"
  | "waiting"
  | { id: number; eventId: string; attempts: number; payload: unknown };

/** Claims the hook's oldest pending delivery if it is due and nobody holds it. */
async function claimHead(deps: ServiceDeps, hookId: string, leaseMs: number): Promise<Claim> {
  const head = await deps.db
    .selectFrom("webhook_deliveries")
    .select(["id", "next_attempt_at", "lease_until"])
    .where("webhook_id", "=", hookId)
    .where("status", "=", "pending")
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
  if (!head) return "none";
  const claimed = await sql<{ id: string | number; attempts: number; event_id: string }>`
    update webhook_deliveries set attempts = attempts + 1,
      lease_until = now() + ${`${leaseMs} milliseconds`}::interval, updated_at = now()
    where id = ${head.id} and status = 'pending' and next_attempt_at <= now()
      and (lease_until is null or lease_until < now())
    returning id, attempts, event_id`.execute(deps.db);
  const row = claimed.rows[0];
  if (!row) return "waiting";
  const event = await deps.db
    .selectFrom("events")
    .select("payload")
    .where("id", "=", row.event_id)
    .executeTakeFirst();
  if (!event) throw new CairnError("NOT_FOUND", `Event ${row.event_id} is gone.`);
  return {
    id: Number(row.id),
    eventId: row.event_id,
    attempts: row.attempts,
    payload: event.payload,
  };
}
