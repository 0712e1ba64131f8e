import { jobIdFor } from "@cairn/core";
import { sql } from "kysely";
import type { ServiceDeps } from "../deps.js";
import { resolveWebhookConfig } from "./config.js";

/**
 * Queues a `webhook-deliver` job for every enabled hook whose oldest pending delivery is due and
 * unclaimed. The job id names (hook, delivery, attempts), so every dispatcher of a fleet may run
 * this at once: duplicates dedupe in the queue. This sweep is what makes the outbox reliable — an
 * event committed by a server that died before anything was queued, or a delivery claimed by a
 * worker that died, is found here. Returns the number of jobs asked for.
 */
export async function dispatchDueDeliveries(deps: ServiceDeps): Promise<number> {
  const heads = await sql<{ webhook_id: string; id: string | number; attempts: number }>`
    select h.webhook_id, h.id, h.attempts from (
      select distinct on (d.webhook_id) d.webhook_id, d.id, d.attempts, d.next_attempt_at, d.lease_until
      from webhook_deliveries d
      where d.status = 'pending'
      order by d.webhook_id, d.id
    ) h join webhooks w on w.id = h.webhook_id
    where w.enabled and h.next_attempt_at <= now() and (h.lease_until is null or h.lease_until < now())
    limit 1000`.execute(deps.db);
  for (const head of heads.rows) {
    const payload = { hookId: head.webhook_id, deliveryId: Number(head.id), attempt: head.attempts };
    await deps.jobs.enqueue("webhook-deliver", payload, {
      jobId: jobIdFor("webhook-deliver", payload),
    });
  }
  return heads.rows.length;
}

/** A running dispatcher loop; `stop()` waits for the tick in flight. */
export interface Dispatcher {
  stop(): Promise<void>;
}

/**
 * Runs {@link dispatchDueDeliveries} every `pollMs` (default 250 ms) until stopped. Hosts that run
 * the `webhook-deliver` workers start one (the worker app, or the server in embedded mode).
 * Errors (a dropped connection) are logged and the loop carries on.
 */
export function startDispatcher(deps: ServiceDeps): Dispatcher {
  const { pollMs } = resolveWebhookConfig(deps.webhooks);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = dispatchDueDeliveries(deps)
      .then(() => undefined)
      .catch((error: unknown) => {
        if (!stopped) deps.logger?.warn({ err: error }, "webhook dispatch failed; retrying");
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, pollMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
