import { randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { createDatabase } from "./create-database.js";
import { migrate } from "./migrate.js";
import type { Notifications } from "./notifications.js";
import type { Database } from "./schema.js";

/** The local PostgreSQL the test suites use when `DATABASE_URL` is not set. */
export const DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** A migrated, isolated database for one test file; `cleanup()` drops it. */
export interface TestDatabase {
  db: Kysely<Database>;
  dialect: "postgres" | "pglite";
  /** Wake-ups on this database (see `CairnDatabase.notifications`). */
  notifications: Notifications;
  /** The PostgreSQL schema holding the tables (`undefined` on PGlite). */
  schema: string | undefined;
  /** Drops the schema (PostgreSQL) or the in-memory instance (PGlite) and closes connections. */
  cleanup(): Promise<void>;
}

/**
 * A fresh, migrated database for tests of any package: `"pglite"` is an in-memory instance,
 * `"postgres"` a new schema `cairn_test_<random>` on `options.url` (default `DATABASE_URL`, then
 * the local server), dropped by `cleanup()`. Wrap PostgreSQL suites in `describeWithServices`.
 */
export async function createTestDatabase(
  kind: "pglite" | "postgres",
  options: { url?: string; poolSize?: number } = {},
): Promise<TestDatabase> {
  if (kind === "pglite") {
    const database = await createDatabase({ memory: true });
    await migrate(database.db);
    return {
      db: database.db,
      dialect: "pglite",
      notifications: database.notifications,
      schema: undefined,
      cleanup: database.close,
    };
  }
  const schema = `cairn_test_${randomBytes(6).toString("hex")}`;
  const url = options.url ?? process.env.DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const database = await createDatabase({ url, schema, poolSize: options.poolSize ?? 5 });
  try {
    await migrate(database.db);
  } catch (error) {
    await dropAndClose(database.db, schema, database.close);
    throw error;
  }
  return {
    db: database.db,
    dialect: "postgres",
    notifications: database.notifications,
    schema,
    cleanup: () => dropAndClose(database.db, schema, database.close),
  };
}

async function dropAndClose(
  db: Kysely<Database>,
  schema: string,
  close: () => Promise<void>,
): Promise<void> {
  try {
    await sql.raw(`drop schema if exists "${schema}" cascade`).execute(db);
  } finally {
    await close();
  }
}
