import { jobIdFor } from "@cairn/core";
import { sql } from "kysely";
import type { ServiceDeps } from "../deps.js";
import { resolveWebhookConfig } from "./config.js";
import { onEventsEmitted } from "./emit.js";

/**
 * Without notifications, after a local emit, extra looks this many ms later: the emitting transaction usually commits
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

/**
 * How long until the earliest pending delivery becomes due (its retry time, or the lapse of a dead
 * worker's lease), in ms; null when nothing is pending. A lower bound (not only hook heads): a
 * dispatcher that looks early finds nothing and asks again.
 */
async function nextDueInMs(deps: ServiceDeps): Promise<number | null> {
  const { rows } = await sql<{ ms: number | string | null }>`
    select (extract(epoch from min(greatest(next_attempt_at, coalesce(lease_until, next_attempt_at))) - now()) * 1000)::float8 as ms
    from webhook_deliveries where status = 'pending'`.execute(deps.db);
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? null : Number(ms);
}

/**
 * With notifications, the sweep runs on every `outbox` notification (an emit's commit, a retry
 * scheduled, a job that left work behind), when the earliest pending delivery falls due, and at
 * least this often: a lost notification only delays a delivery.
 */
export const DISPATCH_FALLBACK_MS = 5_000;

/** A running dispatcher loop; `stop()` waits for the tick in flight. */
export interface Dispatcher {
  stop(): Promise<void>;
}

/**
 * Runs {@link dispatchDueDeliveries} until stopped. Every server and worker process starts one: a
 * server without workers only queues the jobs (for the worker fleet). With `deps.notifications`
 * it sleeps until an `outbox` notification, the next due retry or {@link DISPATCH_FALLBACK_MS};
 * without, it polls every `pollMs` (default 250 ms) and looks a few ms after every emit in this
 * process. Errors (a dropped connection) are logged and the loop carries on.
 */
export function startDispatcher(deps: ServiceDeps): Dispatcher {
  const { pollMs } = resolveWebhookConfig(deps.webhooks);
  const notifications = deps.notifications;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let unsubscribe: () => void = () => {};

  const sweep = async (): Promise<number> => {
    await dispatchDueDeliveries(deps);
    if (!notifications) return pollMs;
    const due = await nextDueInMs(deps);
    // Not sooner than pollMs: a delivery due "now" is leased by the job just queued.
    return due === null
      ? DISPATCH_FALLBACK_MS
      : Math.min(DISPATCH_FALLBACK_MS, Math.max(pollMs, Math.ceil(due)));
  };
  const tick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    timer = undefined;
    running = sweep()
      .catch((error: unknown) => {
        if (!stopped) deps.logger?.warn({ err: error }, "webhook dispatch failed; retrying");
        return notifications ? DISPATCH_FALLBACK_MS : pollMs;
      })
      .then((next) => {
        running = undefined;
        if (stopped) return;
        if (again) {
          again = false;
          tick();
        } else timer = setTimeout(tick, next);
      });
  };

  if (notifications) {
    void notifications
      .listen("outbox", () => tick())
      .then((stop) => {
        if (stopped) stop();
        else unsubscribe = stop;
      });
  } else {
    // Polling only: this process's own emits are looked at a few ms later (before their commit,
    // so early looks may find nothing; the poll catches up).
    const extra = new Set<NodeJS.Timeout>();
    const stopEmits = onEventsEmitted(() => {
      for (const delay of WAKE_DELAYS_MS) {
        const t = setTimeout(() => {
          extra.delete(t);
          if (!stopped) dispatchDueDeliveries(deps).catch(() => {});
        }, delay);
        extra.add(t);
      }
    });
    unsubscribe = () => {
      stopEmits();
      for (const t of extra) clearTimeout(t);
    };
  }
  tick();
  return {
    async stop() {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
