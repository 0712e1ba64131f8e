import type { AccessRole } from "@cairn/core";
import type { Database, DraftsTable } from "@cairn/db";
import type { ColumnType, Kysely, Transaction } from "kysely";

/**
 * The draft columns added by migration `0003-draft-finish`, typed here until `@cairn/db`'s schema
 * types carry them (the lead folds them in; until then this file is the one place that knows).
 */
export type DraftLifecycle = "open" | "finishing" | "finished" | "failed";

/** `drafts` with the 0003 columns and the `failed` status. */
export interface DraftsTableV3 extends Omit<DraftsTable, "status"> {
  status: ColumnType<DraftLifecycle, DraftLifecycle | undefined, DraftLifecycle>;
  requested_tags: string[] | null;
  requested_ttl: string | null;
  finish_run_id: string | null;
  finished_by: string | null;
  finish_role: AccessRole | null;
  failure_code: string | null;
  failure_message: string | null;
}

/** The database as the draft code sees it. */
export interface DraftDatabase extends Omit<Database, "drafts"> {
  drafts: DraftsTableV3;
}

/** A connection or transaction over {@link DraftDatabase}. */
export type DraftDb = Kysely<DraftDatabase> | Transaction<DraftDatabase>;

/** The same connection, typed with the 0003 draft columns (no runtime change). */
export function draftDb(db: Kysely<Database> | Transaction<Database>): Kysely<DraftDatabase> {
  return db as unknown as Kysely<DraftDatabase>;
}

/** Back to the base schema type, for helpers (commitVersion, audit) typed on `Database`. */
export function baseDb(db: DraftDb): Transaction<Database> {
  return db as unknown as Transaction<Database>;
}
