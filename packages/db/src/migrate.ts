import { createHash } from "node:crypto";
import { CairnError } from "@cairn/core";
import { type Kysely, sql } from "kysely";
import { MIGRATIONS, type Migration } from "./migrations/index.js";
import type { Database } from "./schema.js";

/**
 * Key of the transaction-scoped advisory lock that serialises migrations: two servers starting
 * at once both wait here, and the second finds the work done. (An arbitrary constant: "cairn" as
 * ASCII, 0x636169726e.)
 */
export const MIGRATION_LOCK_KEY = 0x636169726e;

/** What `migrate` did. */
export interface MigrateResult {
  /** Ids applied by this call, in order (empty when the schema was already current). */
  applied: string[];
  /** Ids already present before this call. */
  alreadyApplied: string[];
}

/**
 * Brings the schema up to date. Each pending migration runs in its own transaction that first
 * takes `pg_advisory_xact_lock` (PostgreSQL and PGlite alike), re-reads `cairn_migrations`, applies
 * the migration's statements and records its id and checksum. Safe to call on every start and
 * from several processes at once. Refuses a database whose applied migrations differ from this
 * code's (edited after release, or written by a newer Cairn).
 */
export async function migrate(
  db: Kysely<Database>,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrateResult> {
  const ordered = [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const migration of ordered) {
    const checksum = sha256(migration.sql);
    const applied = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      await sql`create table if not exists cairn_migrations (
        id text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`.execute(trx);
      const done = await trx.selectFrom("cairn_migrations").select(["id", "checksum"]).execute();
      checkKnown(done, ordered);
      const previous = done.find((row) => row.id === migration.id);
      if (previous) {
        if (previous.checksum !== checksum) {
          throw new CairnError(
            "CONFLICT",
            `Migration ${migration.id} was applied with different SQL (checksum ${previous.checksum}, this code has ${checksum}). ` +
              "Applied migrations must never be edited: restore the original file and add a new migration for the change.",
          );
        }
        return false;
      }
      for (const statement of splitStatements(migration.sql)) {
        await sql.raw(statement).execute(trx);
      }
      await trx.insertInto("cairn_migrations").values({ id: migration.id, checksum }).execute();
      return true;
    });
    (applied ? result.applied : result.alreadyApplied).push(migration.id);
  }
  return result;
}

/**
 * Splits a migration script into statements at each `;` that ends a line. PGlite's extended
 * protocol runs one statement per query, so scripts are sent statement by statement on both
 * engines (same SQL, same path). Migrations therefore avoid `;` at a line end inside literals.
 */
export function splitStatements(script: string): string[] {
  return script
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.replace(/--[^\n]*/g, "").trim() !== "");
}

function checkKnown(done: readonly { id: string }[], known: readonly Migration[]): void {
  const ids = new Set(known.map((m) => m.id));
  const unknown = done.filter((row) => !ids.has(row.id)).map((row) => row.id);
  if (unknown.length > 0) {
    throw new CairnError(
      "CONFLICT",
      `This database has migrations this Cairn does not know (${unknown.join(", ")}): it was upgraded by a newer version. ` +
        "Run that newer Cairn, or restore a backup taken before the upgrade.",
    );
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
