import type { Database, DraftStatus } from "@cairn/db";
import type { Kysely, Transaction } from "kysely";

/** A draft's lifecycle: `open` → `finishing` → `finished`, or `failed` (re-finishable). */
export type DraftLifecycle = DraftStatus;

/** The database as the draft code sees it (the 0003 draft columns are in `@cairn/db`'s schema). */
export type DraftDatabase = Database;

/** A connection or transaction. */
export type DraftDb = Kysely<Database> | Transaction<Database>;

/** The connection, typed for draft code. */
export function draftDb(db: Kysely<Database> | Transaction<Database>): Kysely<Database> {
  return db as Kysely<Database>;
}

/** The connection as a transaction type, for helpers (commitVersion, audit) that take one. */
export function baseDb(db: DraftDb): Transaction<Database> {
  return db as Transaction<Database>;
}
