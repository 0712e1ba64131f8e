import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { CairnError } from "@cairn/core";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { acquireDirectoryLock, type DirectoryLock } from "./dir-lock.js";
import {
  createPGliteNotifications,
  createPgNotifications,
  type Notifications,
} from "./notifications.js";
import { cairnPgTypes } from "./pg-types.js";
import { CairnPGliteDialect } from "./pglite-dialect.js";
import { poolWithPreparedStatements } from "./prepared-statements.js";
import type { Database } from "./schema.js";

/** A PostgreSQL server, shared by any number of Cairn processes. */
export interface PostgresDatabaseConfig {
  /** `postgres://user:password@host:port/database` (usually `DATABASE_URL`). */
  url: string;
  /** A schema to hold Cairn's tables (created if missing; used for test isolation). Default: the server's `search_path`. */
  schema?: string;
  /** Maximum pooled connections. Default 10. */
  poolSize?: number;
  /**
   * Run the statements marked with `preparedStatement` as named prepared statements (default
   * true). `false` for connection poolers that cannot keep them (PgBouncer before 1.21 in
   * transaction mode).
   */
  preparedStatements?: boolean;
}

/** Embedded PGlite persisted in a directory, locked for this process alone. */
export interface PGliteDirectoryConfig {
  dataDir: string;
}

/** Embedded PGlite in memory (tests, throwaway runs). */
export interface PGliteMemoryConfig {
  memory: true;
}

/** Where Cairn's metadata lives. */
export type DatabaseConfig = PostgresDatabaseConfig | PGliteDirectoryConfig | PGliteMemoryConfig;

/** An open metadata store. `close()` ends the pool or closes PGlite and frees its directory lock. */
export interface CairnDatabase {
  db: Kysely<Database>;
  dialect: "postgres" | "pglite";
  /**
   * Wake-ups (LISTEN/NOTIFY): one dedicated connection on PostgreSQL, opened on the first
   * `listen`; PGlite's own in-process listen. Closed by `close()`.
   */
  notifications: Notifications;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the metadata store: a `pg` pool behind Kysely's PostgresDialect for `{ url }`, or embedded
 * PGlite for `{ dataDir }` / `{ memory: true }`. It does not migrate; call `migrate(db)` next.
 * Fails fast: the connection (or PGlite start) is checked before this resolves.
 */
export async function createDatabase(config: DatabaseConfig): Promise<CairnDatabase> {
  if ("url" in config) return openPostgres(config);
  if ("dataDir" in config) return openPGlite(config.dataDir);
  if ("memory" in config && config.memory === true) return openPGlite(undefined);
  throw new CairnError(
    "INVALID_INPUT",
    "Database config must be { url: 'postgres://…' } for PostgreSQL, { dataDir } for embedded PGlite on disk, or { memory: true } for an in-memory PGlite.",
  );
}

async function openPostgres(config: PostgresDatabaseConfig): Promise<CairnDatabase> {
  const { url, schema, poolSize = 10, preparedStatements = true } = config;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new CairnError(
      "INVALID_INPUT",
      `Database URL must start with postgres:// or postgresql://, got "${redact(url)}". Unset DATABASE_URL to use the embedded store.`,
    );
  }
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new CairnError(
      "INVALID_INPUT",
      `Schema name "${schema}" is not allowed: use lowercase letters, digits and _, starting with a letter or _ (at most 63).`,
    );
  }
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new CairnError(
      "INVALID_INPUT",
      `poolSize must be a positive integer, got ${String(poolSize)}.`,
    );
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: cairnPgTypes,
    application_name: "cairn",
    // A startup parameter, so every pooled connection has the search_path before its first query
    // (a `connect` event handler would race the first query on the connection).
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client losing its server emits on the pool; unhandled, that would crash the process.
  // The pool already discards the client, and the next query reports the outage to its caller.
  pool.on("error", () => {});
  // A checked-out client losing its server emits `error` on the client itself, which has no
  // listener while Kysely holds it: that would crash the process. The query in flight already
  // rejects with the error (and the caller gets it), so the event itself needs no handling.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  try {
    if (schema === undefined) await pool.query("select 1");
    else await createSchema(pool, schema);
  } catch (error) {
    await pool.end().catch(() => {});
    if (error instanceof CairnError) throw error;
    throw new CairnError(
      "UNAVAILABLE",
      `Cannot reach PostgreSQL at ${redact(url)}: ${(error as Error).message}. Check DATABASE_URL and that the server is running, or unset it to use the embedded store.`,
      { cause: error },
    );
  }
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: poolWithPreparedStatements(pool, preparedStatements) }),
  });
  const notifications = createPgNotifications({
    connectionString: url,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  let closed: Promise<void> | undefined;
  return {
    db,
    dialect: "postgres",
    notifications,
    close: () => {
      closed ??= notifications.close().then(() => db.destroy());
      return closed;
    },
  };
}

async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    // Two processes creating the same schema at once: the loser sees a unique violation (23505)
    // or duplicate_schema (42P06); either way the schema now exists.
    const code = (error as { code?: unknown }).code;
    if (code !== "23505" && code !== "42P06") throw error;
  }
}

async function openPGlite(dataDir: string | undefined): Promise<CairnDatabase> {
  let lock: DirectoryLock | undefined;
  let pglite: PGlite;
  if (dataDir === undefined) {
    pglite = new PGlite();
  } else {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    lock = acquireDirectoryLock(dir);
    pglite = new PGlite(dir);
  }
  try {
    await pglite.waitReady;
  } catch (error) {
    lock?.release();
    throw new CairnError(
      "UNAVAILABLE",
      `Embedded PGlite failed to start${dataDir === undefined ? "" : ` in ${dataDir}`}: ${(error as Error).message}. ` +
        "If the directory was written by another PostgreSQL or PGlite version, point CAIRN_DATA_DIR elsewhere.",
      { cause: error },
    );
  }
  const db = new Kysely<Database>({ dialect: new CairnPGliteDialect(pglite) });
  const notifications = createPGliteNotifications(pglite, db as unknown as Kysely<unknown>);
  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    try {
      await notifications.close();
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    } finally {
      lock?.release();
    }
  };
  return {
    db,
    dialect: "pglite",
    notifications,
    close: () => {
      closed ??= close();
      return closed;
    },
  };
}

/** The URL without its password, for error messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
