import { jobIdFor } from "@cairn/core";
import { sql } from "kysely";
import type { ServiceDeps } from "../deps.js";
import { resolveWebhookConfig } from "./config.js";
import { onEventsEmitted } from "./emit.js";

/**
 * After a local emit, extra looks this many ms later: the emitting transaction usually commits
 * within a few ms (the emit is near its end); a look that comes too early finds nothing and the
 * regular poll catches up.
 */
const WAKE_DELAYS_MS = [5, 25, 100];

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
    const payload = {
      hookId: head.webhook_id,
      deliveryId: Number(head.id),
      attempt: head.attempts,
    };
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
 * Runs {@link dispatchDueDeliveries} every `pollMs` (default 250 ms) until stopped, and a few ms
 * after every emit in this process. Every server and worker process starts one: a server without
 * workers only queues the jobs (for the worker fleet), and does it right after its own commits.
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
  const extra = new Set<NodeJS.Timeout>();
  const unsubscribe = onEventsEmitted(() => {
    for (const delay of WAKE_DELAYS_MS) {
      const t = setTimeout(() => {
        extra.delete(t);
        if (!stopped) dispatchDueDeliveries(deps).catch(() => {});
      }, delay);
      extra.add(t);
    }
  });
  return {
    async stop() {
      stopped = true;
      unsubscribe();
      for (const t of extra) clearTimeout(t);
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
