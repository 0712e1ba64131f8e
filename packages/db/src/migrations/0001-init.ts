/**
 * The initial schema. Plain PostgreSQL that runs unchanged on PostgreSQL ≥ 13 and on PGlite.
 *
 * Conventions:
 * - User-visible objects have text ids (`gen_random_uuid()` by default, or chosen by the server),
 *   so ids are not guessable sequences across tenants. High-volume internal rows (manifests,
 *   audit entries) use bigint identities to keep 1,000,000-row manifests' keys small.
 * - Paths are `COLLATE "C"`: keyset paging by path needs one byte-wise order on every server,
 *   whatever the database's default locale.
 * - Per-project roles are not stored: a member's role comes from the project's entity membership
 *   (`memberships`), and visibility (`private|public|open`) decides what non-members may do.
 * - Statements are separated by a `;` at the end of a line (see `splitStatements`): no
 *   dollar-quoted bodies here.
 */
export const sql = `
create table entities (
  id text primary key default gen_random_uuid()::text,
  kind text not null check (kind in ('user', 'team')),
  name text not null unique,
  created_at timestamptz not null default now()
);

create table memberships (
  entity_id text not null references entities (id) on delete cascade,
  user_id text not null references entities (id) on delete cascade,
  role text not null check (role in ('member', 'admin')),
  created_at timestamptz not null default now(),
  primary key (entity_id, user_id)
);
create index memberships_user_idx on memberships (user_id);

create table api_keys (
  id text primary key default gen_random_uuid()::text,
  entity_id text not null references entities (id) on delete cascade,
  prefix text not null unique,
  hash text not null check (hash ~ '^[0-9a-f]{64}$'),
  label text,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_entity_idx on api_keys (entity_id);

create table projects (
  id text primary key default gen_random_uuid()::text,
  entity_id text not null references entities (id) on delete cascade,
  name text not null,
  visibility text not null default 'private' check (visibility in ('private', 'public', 'open')),
  protected_aliases text[] not null default '{}',
  description text,
  created_at timestamptz not null default now(),
  unique (entity_id, name)
);

create table runs (
  project_id text not null references projects (id) on delete cascade,
  id text not null,
  job_type text,
  group_name text,
  sweep text,
  config jsonb not null default '{}',
  summary jsonb not null default '{}',
  state text not null default 'running' check (state in ('running', 'finished', 'failed', 'crashed')),
  created_by text references entities (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (project_id, id)
);
create index runs_group_idx on runs (project_id, group_name) where group_name is not null;
create index runs_sweep_idx on runs (project_id, sweep) where sweep is not null;

create table collections (
  id text primary key default gen_random_uuid()::text,
  project_id text not null references projects (id) on delete cascade,
  name text not null,
  type text not null,
  description text,
  default_ttl_ms bigint check (default_ttl_ms > 0),
  next_version_number integer not null default 0 check (next_version_number >= 0),
  created_at timestamptz not null default now(),
  unique (project_id, name)
);
create index collections_type_idx on collections (project_id, type);

create table manifests (
  id bigint generated always as identity primary key,
  digest text not null unique,
  entry_count bigint not null default 0 check (entry_count >= 0),
  total_size bigint not null default 0 check (total_size >= 0),
  created_at timestamptz not null default now()
);

create table manifest_entries (
  manifest_id bigint not null references manifests (id) on delete cascade,
  path text collate "C" not null,
  digest text not null,
  size bigint check (size >= 0),
  ref text,
  extra jsonb,
  primary key (manifest_id, path)
);
create index manifest_entries_blob_idx on manifest_entries (digest) where ref is null;

create table versions (
  id text primary key default gen_random_uuid()::text,
  collection_id text not null references collections (id) on delete cascade,
  number integer not null check (number >= 0),
  digest text not null,
  manifest_id bigint not null references manifests (id),
  state text not null default 'committed' check (state in ('committed', 'deleted')),
  description text,
  metadata jsonb not null default '{}',
  tags text[] not null default '{}',
  ttl_policy text not null default 'inherit' check (ttl_policy in ('inherit', 'none', 'duration')),
  ttl_ms bigint check (ttl_ms > 0),
  expires_at timestamptz,
  size bigint not null default 0 check (size >= 0),
  file_count bigint not null default 0 check (file_count >= 0),
  created_by_run text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  check ((ttl_policy = 'duration') = (ttl_ms is not null)),
  unique (collection_id, number),
  unique (id, collection_id)
);
create unique index versions_committed_digest_idx on versions (collection_id, digest) where state = 'committed';
create index versions_manifest_idx on versions (manifest_id);
create index versions_expires_idx on versions (expires_at) where state = 'committed' and expires_at is not null;

create table aliases (
  collection_id text not null references collections (id) on delete cascade,
  alias text not null,
  version_id text not null,
  updated_at timestamptz not null default now(),
  primary key (collection_id, alias),
  foreign key (version_id, collection_id) references versions (id, collection_id) on delete cascade
);
create index aliases_version_idx on aliases (version_id);

create table drafts (
  id text primary key default gen_random_uuid()::text,
  project_id text not null references projects (id) on delete cascade,
  name text not null,
  type text not null,
  collection_id text references collections (id) on delete cascade,
  distributed_id text not null,
  status text not null default 'open' check (status in ('open', 'finishing', 'finished')),
  last_accepted_seq bigint not null default 0,
  finish_seq bigint,
  finished_version_id text references versions (id) on delete set null,
  requested_description text,
  requested_metadata jsonb,
  requested_aliases text[] not null default '{}',
  created_by text references entities (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  unique (project_id, name, distributed_id)
);
create index drafts_collection_idx on drafts (collection_id);

create table draft_upserts (
  draft_id text not null references drafts (id) on delete cascade,
  seq bigint not null check (seq > 0),
  run_id text,
  entries jsonb not null,
  state text not null default 'accepted' check (state in ('accepted', 'applied')),
  accepted_at timestamptz not null default now(),
  applied_at timestamptz,
  primary key (draft_id, seq)
);
create index draft_upserts_pending_idx on draft_upserts (draft_id, seq) where state = 'accepted';

create table draft_entries (
  draft_id text not null references drafts (id) on delete cascade,
  path text collate "C" not null,
  digest text not null,
  size bigint check (size >= 0),
  ref text,
  extra jsonb,
  seq bigint not null,
  run_id text,
  primary key (draft_id, path)
);

create table run_logged_version (
  project_id text not null,
  run_id text not null,
  version_id text not null references versions (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (project_id, run_id, version_id),
  foreign key (project_id, run_id) references runs (project_id, id) on delete cascade
);
create index run_logged_version_version_idx on run_logged_version (version_id);

create table run_used_version (
  project_id text not null,
  run_id text not null,
  version_id text not null references versions (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (project_id, run_id, version_id),
  foreign key (project_id, run_id) references runs (project_id, id) on delete cascade
);
create index run_used_version_version_idx on run_used_version (version_id);

create table blobs (
  digest text primary key check (digest ~ '^[0-9a-f]{64}$'),
  size bigint not null check (size >= 0),
  verified boolean not null default false,
  created_at timestamptz not null default now(),
  last_referenced_at timestamptz not null default now()
);
create index blobs_last_referenced_idx on blobs (last_referenced_at);

create table blob_owners (
  entity_id text not null references entities (id) on delete cascade,
  digest text not null references blobs (digest) on delete cascade,
  verified boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (entity_id, digest)
);
create index blob_owners_digest_idx on blob_owners (digest);

create table upload_sessions (
  id text primary key default gen_random_uuid()::text,
  entity_id text not null references entities (id) on delete cascade,
  digest text not null check (digest ~ '^[0-9a-f]{64}$'),
  size bigint not null check (size >= 0),
  state text not null default 'pending' check (state in ('pending', 'completed', 'aborted', 'expired')),
  multipart_upload_id text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index upload_sessions_entity_digest_idx on upload_sessions (entity_id, digest);
create index upload_sessions_expires_idx on upload_sessions (expires_at) where state = 'pending';

create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_entity_id text references entities (id) on delete set null,
  project_id text references projects (id) on delete set null,
  action text not null,
  collection text,
  alias text,
  from_version text,
  to_version text,
  details jsonb not null default '{}'
);
create index audit_log_project_idx on audit_log (project_id, at);
create index audit_log_actor_idx on audit_log (actor_entity_id, at);
`;
