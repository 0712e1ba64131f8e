/**
 * The pack index (issue 17): small blobs are records inside large pack files (or pack objects on
 * S3). `packs` has one row per pack with its durable length (`bytes`: every byte before it was
 * fsynced / PUT before the row said so; anything after it is a torn tail); `pack_entries` says
 * where each packed blob's stored record lives. A row is written only after its pack bytes are
 * durable, so an entry never points at bytes that a crash could lose.
 */
export const sql = `
create table packs (
  id text primary key check (id ~ '^[0-9a-f]{32}$'),
  bytes bigint not null check (bytes >= 0),
  sealed boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create table pack_entries (
  digest text primary key check (digest ~ '^[0-9a-f]{64}$'),
  pack_id text not null references packs (id),
  "offset" bigint not null check ("offset" >= 0),
  length bigint not null check (length >= 0),
  size bigint not null check (size >= 0),
  written_at timestamptz not null default now()
);
create index pack_entries_pack_idx on pack_entries (pack_id);
`;
