/**
 * Automations (issue 20): a transactional outbox of events, webhooks and their delivery log.
 *
 * - `event_streams` holds one counter row per project. Emitting an event bumps it inside the
 *   transaction that makes the change, so the row lock orders a project's events by commit: a
 *   reader that has seen `seq = n` can never later find a committed event with a smaller seq
 *   (a plain identity column is assigned at insert, not at commit, and would let a stream skip).
 * - `events` are written in the same transaction as the change they describe, so a crash between
 *   commit and delivery loses nothing. `id` is the public event id (`evt_…`), stable across
 *   redeliveries; `seq` is the per-project position an SSE stream resumes from.
 * - `webhooks` belong to an entity, optionally narrowed to one project, with filters; `secrets`
 *   holds the signing secrets sealed with the deployment key (the current one first; a second one
 *   during a rotation, until `previous_secret_expires_at`).
 * - `webhook_deliveries` are created with the event (one per matching hook) and worked through per
 *   hook in `id` order; `lease_until` lets a crashed worker's claim lapse.
 */
export const sql = `
create table event_streams (
  project_id text primary key references projects (id) on delete cascade,
  last_seq bigint not null
);

create table events (
  id text primary key,
  project_id text not null references projects (id) on delete cascade,
  seq bigint not null,
  kind text not null,
  actor_entity_id text references entities (id) on delete set null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  unique (project_id, seq)
);
create index events_created_idx on events (created_at);

create table webhooks (
  id text primary key default gen_random_uuid()::text,
  entity_id text not null references entities (id) on delete cascade,
  project_id text references projects (id) on delete cascade,
  url text not null,
  description text,
  kinds text[] not null default '{}',
  name_pattern text,
  type_pattern text,
  alias_pattern text,
  secrets text[] not null,
  previous_secret_expires_at timestamptz,
  enabled boolean not null default true,
  created_by text references entities (id) on delete set null,
  created_at timestamptz not null default now()
);
create index webhooks_entity_idx on webhooks (entity_id);
create index webhooks_project_idx on webhooks (project_id);

create table webhook_deliveries (
  id bigint generated always as identity primary key,
  webhook_id text not null references webhooks (id) on delete cascade,
  event_id text not null references events (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_until timestamptz,
  last_status integer,
  last_error text,
  response_excerpt text,
  latency_ms integer,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  updated_at timestamptz not null default now()
);
create index webhook_deliveries_pending_idx on webhook_deliveries (webhook_id, id) where status = 'pending';
create index webhook_deliveries_hook_idx on webhook_deliveries (webhook_id, id);
`;
