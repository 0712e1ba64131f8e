import { sql } from "kysely";
import { nowOf, type ServiceDeps } from "../deps.js";

/** Events deleted per transaction, so one sweep of a large backlog never holds long locks. */
const PRUNE_BATCH = 1_000;

/** What one `event-prune` sweep did. */
export interface PruneEventsResult {
  /** Events deleted. */
  eventsPruned: number;
  /** Delivery log rows deleted with them. */
  deliveriesPruned: number;
}

/**
 * Deletes the events older than `retentionMs` that every matching webhook has received, with their
 * delivery log rows. An event is kept while any of its hooks has no `delivered` row for it (a
 * delivery still pending, or failed and not yet redelivered), so pruning never loses an event a
 * receiver has not had; removing the hook releases it. Per project, the highest seq pruned is
 * recorded (`event_streams.pruned_through_seq`), so `GET /events` can tell a stream resumed from
 * an older position that it missed events. The `event-prune` job runs this on a schedule.
 */
export async function pruneEvents(
  deps: Pick<ServiceDeps, "db" | "now">,
  payload: { retentionMs: number },
): Promise<PruneEventsResult> {
  const cutoff = new Date(nowOf(deps).getTime() - payload.retentionMs);
  const result: PruneEventsResult = { eventsPruned: 0, deliveriesPruned: 0 };
  for (;;) {
    const batch = await deps.db.transaction().execute(async (trx) => {
      // Locking the rows makes a concurrent redelivery of one of them wait for this decision.
      const doomed = await sql<{ id: string; project_id: string; seq: string | number }>`
        select e.id, e.project_id, e.seq from events e
        where e.created_at < ${cutoff}
          and not exists (
            select 1 from webhook_deliveries d
            where d.event_id = e.id and d.status <> 'delivered'
              and not exists (
                select 1 from webhook_deliveries r
                where r.event_id = e.id and r.webhook_id = d.webhook_id and r.status = 'delivered'
              )
          )
        order by e.created_at, e.id
        limit ${PRUNE_BATCH}
        for update of e skip locked`.execute(trx);
      const ids = doomed.rows.map((r) => r.id);
      if (ids.length === 0) return { events: 0, deliveries: 0 };
      const horizon = new Map<string, number>();
      for (const r of doomed.rows) {
        horizon.set(r.project_id, Math.max(horizon.get(r.project_id) ?? 0, Number(r.seq)));
      }
      const deliveries = await trx
        .deleteFrom("webhook_deliveries")
        .where("event_id", "in", ids)
        .executeTakeFirst();
      await trx.deleteFrom("events").where("id", "in", ids).execute();
      for (const [projectId, seq] of horizon) {
        await trx
          .updateTable("event_streams")
          .set({
            pruned_through_seq: sql<number>`greatest(pruned_through_seq, ${seq})`,
            pruned_retention_ms: payload.retentionMs,
          })
          .where("project_id", "=", projectId)
          .execute();
      }
      return { events: ids.length, deliveries: Number(deliveries.numDeletedRows) };
    });
    result.eventsPruned += batch.events;
    result.deliveriesPruned += batch.deliveries;
    if (batch.events < PRUNE_BATCH) return result;
  }
}
