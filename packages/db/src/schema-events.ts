import type { ColumnType, Generated } from "kysely";

/** A `timestamptz` with a database default. */
type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** A nullable `timestamptz`. */
type Timestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** A `text[]` column with a database default. */
type TextArray = ColumnType<string[], string[] | undefined, string[]>;

/** Per-project event counter (migration 0007): its row lock orders events by commit. */
export interface EventStreamsTable {
  project_id: string;
  last_seq: number;
  /** Highest seq pruned so far (migration 0011): a stream resumed before it missed events. */
  pruned_through_seq: ColumnType<number, number | undefined, number>;
  /** The retention (ms) of the prune that last moved `pruned_through_seq`. */
  pruned_retention_ms: ColumnType<number | null, number | null | undefined, number | null>;
}

/** The transactional outbox: one row per event, written with the change it describes. */
export interface EventsTable {
  id: string;
  project_id: string;
  seq: number;
  kind: string;
  actor_entity_id: string | null;
  /** The whole event as delivered (JSON text on write). */
  payload: ColumnType<unknown, string, string>;
  created_at: CreatedAt;
}

/** A webhook of an entity (all its projects) or of one project. */
export interface WebhooksTable {
  id: Generated<string>;
  entity_id: string;
  project_id: string | null;
  url: string;
  description: string | null;
  kinds: TextArray;
  name_pattern: string | null;
  type_pattern: string | null;
  alias_pattern: string | null;
  /** Sealed signing secrets, current first. */
  secrets: string[];
  previous_secret_expires_at: Timestamp;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_by: string | null;
  created_at: CreatedAt;
}

/** One event for one hook: its delivery state and the last attempt's outcome. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: string;
  event_id: string;
  status: ColumnType<"pending" | "delivered" | "failed", string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: CreatedAt;
  lease_until: Timestamp;
  last_status: number | null;
  last_error: string | null;
  response_excerpt: string | null;
  latency_ms: number | null;
  created_at: CreatedAt;
  delivered_at: Timestamp;
  updated_at: CreatedAt;
}

/** The tables of migration 0007 (events and webhooks). */
export interface EventTables {
  event_streams: EventStreamsTable;
  events: EventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
