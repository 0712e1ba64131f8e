/**
 * Event pruning (issue 20): delivered events older than the retention are deleted by the
 * `event-prune` sweep. `event_streams.pruned_through_seq` records, per project, the highest seq
 * pruned so far (and `pruned_retention_ms` the retention that pruned it), so a stream resumed
 * from an older `Last-Event-ID` is told it missed events instead of silently skipping them.
 * Pruning asks "is every delivery of this event done?" per event, and deleting an event cascades
 * to its deliveries: both need `webhook_deliveries (event_id)`.
 */
export const sql = `
alter table event_streams add column pruned_through_seq bigint not null default 0;
alter table event_streams add column pruned_retention_ms bigint;
create index webhook_deliveries_event_idx on webhook_deliveries (event_id);
`;
