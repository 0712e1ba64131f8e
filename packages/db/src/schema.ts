import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";
import type { EventTables } from "./schema-events.js";

/**
 * Kysely table types for the schema in `migrations/`. Conventions:
 * - `bigint` columns read as `number` on both engines (see `parseInt8`).
 * - `timestamptz` columns read as `Date` and accept a `Date` or an ISO string.
 * - `jsonb` columns read as parsed JSON; write them with `JSON.stringify` (a JS array would be
 *   sent as a PostgreSQL array, not JSON).
 * - `text[]` columns read and write as `string[]`.
 */

/** A `timestamptz` with a database default. */
type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** A nullable `timestamptz`. */
type Timestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** A required `timestamptz` without default. */
type RequiredTimestamp = ColumnType<Date, Date | string, Date | string>;
/** A `jsonb` column: parsed on read, JSON text on write. */
type Json<T, Null extends null = never> = ColumnType<T | Null, string | Null, string | Null>;
/** A `jsonb` column with a database default. */
type JsonDefault<T> = ColumnType<T, string | undefined, string>;
/** A `text[]` column with a database default. */
type TextArray = ColumnType<string[], string[] | undefined, string[]>;
/** A `bigint` column with a database default. */
type BigintDefault = ColumnType<number, number | undefined, number>;

/** Any JSON value stored in a `jsonb` column. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
/** A JSON object stored in a `jsonb` column. */
export type JsonObject = { [key: string]: JsonValue };

/** Users and teams. */
export interface EntitiesTable {
  id: Generated<string>;
  kind: "user" | "team";
  name: string;
  created_at: CreatedAt;
  /** Set when a site admin disabled the user: its API keys are refused from then on. */
  disabled_at: Timestamp;
}

/** A user's role in a team (or any entity); the project role derives from it. */
export interface MembershipsTable {
  entity_id: string;
  user_id: string;
  role: "member" | "admin";
  created_at: CreatedAt;
}

/** API keys: `prefix` finds the row, `hash` (sha256 hex of the whole key) verifies it. */
export interface ApiKeysTable {
  id: Generated<string>;
  entity_id: string;
  prefix: string;
  hash: string;
  label: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp;
  revoked_at: Timestamp;
}

/** Projects of an entity. */
export interface ProjectsTable {
  id: Generated<string>;
  entity_id: string;
  name: string;
  visibility: ColumnType<"private" | "public" | "open", "private" | "public" | "open" | undefined>;
  protected_aliases: TextArray;
  description: string | null;
  created_at: CreatedAt;
}

/** Runs; `id` is unique within its project (clients may choose it). */
export interface RunsTable {
  project_id: string;
  id: string;
  job_type: string | null;
  group_name: string | null;
  sweep: string | null;
  config: JsonDefault<JsonObject>;
  summary: JsonDefault<JsonObject>;
  state: ColumnType<RunState, RunState | undefined, RunState>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** Lifecycle of a run. */
export type RunState = "running" | "finished" | "failed" | "crashed";

/** Artifacts (a name of one type inside a project) and their version counter. */
export interface CollectionsTable {
  id: Generated<string>;
  project_id: string;
  name: string;
  type: string;
  description: string | null;
  default_ttl_ms: number | null;
  /** The number the next committed version takes; incremented under the row lock. */
  next_version_number: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
}

/** Content-addressed manifests, shared by every version with the same digest. */
export interface ManifestsTable {
  id: Generated<number>;
  digest: string;
  entry_count: BigintDefault;
  total_size: BigintDefault;
  created_at: CreatedAt;
}

/** One row per manifest entry; paged by keyset on `path` (byte order). */
export interface ManifestEntriesTable {
  manifest_id: number;
  path: string;
  digest: string;
  size: number | null;
  ref: string | null;
  extra: Json<Record<string, string | number | boolean | null>, null>;
}

/** TTL setting of a version: the collection's default, none, or its own duration. */
export type TtlPolicy = "inherit" | "none" | "duration";

/** Artifact versions (`vN`). */
export interface VersionsTable {
  id: Generated<string>;
  collection_id: string;
  number: number;
  digest: string;
  manifest_id: number;
  state: ColumnType<"committed" | "deleted", "committed" | "deleted" | undefined>;
  description: string | null;
  metadata: JsonDefault<JsonObject>;
  tags: TextArray;
  ttl_policy: ColumnType<TtlPolicy, TtlPolicy | undefined, TtlPolicy>;
  ttl_ms: number | null;
  expires_at: Timestamp;
  size: BigintDefault;
  file_count: BigintDefault;
  created_by_run: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  deleted_at: Timestamp;
}

/** Aliases: one version per (collection, alias). */
export interface AliasesTable {
  collection_id: string;
  alias: string;
  version_id: string;
  updated_at: CreatedAt;
}

/** Status of a distributed draft. */
export type DraftStatus = "open" | "finishing" | "finished" | "failed";

/** A version being assembled by many writers sharing one `distributed_id`. */
export interface DraftsTable {
  id: Generated<string>;
  project_id: string;
  name: string;
  type: string;
  collection_id: string | null;
  distributed_id: string;
  status: ColumnType<DraftStatus, DraftStatus | undefined, DraftStatus>;
  last_accepted_seq: BigintDefault;
  finish_seq: number | null;
  finished_version_id: string | null;
  requested_description: string | null;
  requested_metadata: Json<JsonObject, null>;
  requested_aliases: TextArray;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  finished_at: Timestamp;
  /** Migration 0003: what finish needs to remember between the request and the job. */
  requested_tags: string[] | null;
  requested_ttl: string | null;
  finish_run_id: string | null;
  finished_by: string | null;
  finish_role: "anonymous" | "user" | "member" | "admin" | null;
  /** Set when a finish fails for a reason no retry can fix (status `failed`). */
  failure_code: string | null;
  failure_message: string | null;
}

/** An accepted upsert (its entries as a JSON array), applied to `draft_entries` in `seq` order. */
export interface DraftUpsertsTable {
  draft_id: string;
  seq: number;
  run_id: string | null;
  entries: Json<JsonValue[]>;
  state: ColumnType<"accepted" | "applied", "accepted" | "applied" | undefined>;
  accepted_at: CreatedAt;
  applied_at: Timestamp;
}

/** The merged entries of a draft: the latest `seq` wins per path. */
export interface DraftEntriesTable {
  draft_id: string;
  path: string;
  digest: string;
  size: number | null;
  ref: string | null;
  extra: Json<Record<string, string | number | boolean | null>, null>;
  seq: number;
  run_id: string | null;
}

/** Lineage edge: a run logged (produced) a version. */
export interface RunLoggedVersionTable {
  project_id: string;
  run_id: string;
  version_id: string;
  created_at: CreatedAt;
}

/** Lineage edge: a run used (consumed) a version. */
export interface RunUsedVersionTable {
  project_id: string;
  run_id: string;
  version_id: string;
  created_at: CreatedAt;
}

/** Stored bytes, once per digest across all tenants. */
export interface BlobsTable {
  digest: string;
  size: number;
  /** The server hashed the stored bytes and they match `digest`. */
  verified: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  last_referenced_at: CreatedAt;
}

/**
 * Which entity has uploaded (proved it holds) a blob. Dedup answers only from these rows, so a
 * client never learns that another tenant stored the same bytes.
 */
export interface BlobOwnersTable {
  entity_id: string;
  digest: string;
  verified: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

/** State of an upload session. */
export type UploadState = "pending" | "completed" | "aborted" | "expired";

/** An upload in progress (direct or presigned/multipart). */
export interface UploadSessionsTable {
  id: Generated<string>;
  entity_id: string;
  digest: string;
  size: number;
  state: ColumnType<UploadState, UploadState | undefined, UploadState>;
  /** The blob store's upload id: a multipart upload's, or (when `direct`) a staged presigned PUT's. */
  multipart_upload_id: string | null;
  /** A presigned bucket PUT (the only single upload blobs.complete completes). */
  direct: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  expires_at: RequiredTimestamp;
}

/** Who changed what (alias moves, deletions, visibility changes…). */
export interface AuditLogTable {
  id: Generated<number>;
  at: CreatedAt;
  actor_entity_id: string | null;
  project_id: string | null;
  action: string;
  collection: string | null;
  alias: string | null;
  from_version: string | null;
  to_version: string | null;
  details: JsonDefault<JsonObject>;
}

/** Deployment-wide settings (migration 0002), e.g. the byte-URL signing secret. */
export interface SettingsTable {
  key: string;
  value: string;
  created_at: CreatedAt;
}

/** A pack file / object of small blobs (migration 0006). */
export interface PacksTable {
  id: string;
  /** Durable length: bytes past it are a torn tail, never referenced. */
  bytes: number;
  /** No process appends to it any more (full, or its writer went away). */
  sealed: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** Where a packed blob's stored record lives (migration 0006). */
export interface PackEntriesTable {
  digest: string;
  pack_id: string;
  offset: number;
  /** Stored bytes of the record's payload (ciphertext when encrypted). */
  length: number;
  /** Plaintext size. */
  size: number;
  written_at: CreatedAt;
}

/** Applied migrations. */
export interface CairnMigrationsTable {
  id: string;
  checksum: string;
  applied_at: CreatedAt;
}

/** Every table of the metadata store, for `Kysely<Database>`. */
export interface Database extends EventTables {
  entities: EntitiesTable;
  memberships: MembershipsTable;
  api_keys: ApiKeysTable;
  projects: ProjectsTable;
  runs: RunsTable;
  collections: CollectionsTable;
  manifests: ManifestsTable;
  manifest_entries: ManifestEntriesTable;
  versions: VersionsTable;
  aliases: AliasesTable;
  drafts: DraftsTable;
  draft_upserts: DraftUpsertsTable;
  draft_entries: DraftEntriesTable;
  run_logged_version: RunLoggedVersionTable;
  run_used_version: RunUsedVersionTable;
  blobs: BlobsTable;
  blob_owners: BlobOwnersTable;
  upload_sessions: UploadSessionsTable;
  audit_log: AuditLogTable;
  settings: SettingsTable;
  packs: PacksTable;
  pack_entries: PackEntriesTable;
  cairn_migrations: CairnMigrationsTable;
}

/** A row as read from a table, e.g. `Row<"versions">`. */
export type Row<T extends keyof Database> = Selectable<Database[T]>;
/** A row as inserted into a table. */
export type NewRow<T extends keyof Database> = Insertable<Database[T]>;
/** A partial row for an update. */
export type RowUpdate<T extends keyof Database> = Updateable<Database[T]>;
