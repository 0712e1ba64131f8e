import { createHash } from "node:crypto";
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";
import type pg from "pg";

/** SQL text → statement name, for the statements marked with {@link preparedStatement}. */
const names = new Map<string, string>();

/**
 * Marks `sql` as a hot statement and returns it unchanged. On PostgreSQL each pooled connection
 * prepares it once, as a named statement, and re-executes it by name afterwards, so the server
 * plans it once per connection instead of on every request (the `alias-resolution` benchmark:
 * planning the 6-join version resolution cost more than running it — pgbench at 50 clients,
 * 1,906 statements/s planned each time against 12,492/s prepared). Only fixed SQL texts belong
 * here (a constant with `$n` parameters): every distinct text costs a statement on every
 * connection for the connection's lifetime. Embedded PGlite runs them as any other query.
 */
export function preparedStatement(sql: string): string {
  if (!names.has(sql)) {
    names.set(sql, `cairn_${createHash("sha256").update(sql).digest("hex").slice(0, 20)}`);
  }
  return sql;
}

/** The statement name of a text marked with {@link preparedStatement}, or undefined. */
export function preparedStatementName(sql: string): string | undefined {
  return names.get(sql);
}

/**
 * Kysely's view of a `pg` pool in which queries whose text was marked with
 * {@link preparedStatement} run as named prepared statements (`{ name, text, values }`); any other
 * query, and cursors, pass through untouched. With `enabled: false` (`CAIRN_DATABASE_PREPARE=false`,
 * for poolers that cannot keep prepared statements, such as PgBouncer before 1.21 in transaction
 * mode) it is the pool itself.
 */
export function poolWithPreparedStatements(pool: pg.Pool, enabled: boolean): PostgresPool {
  // A pg Pool is what Kysely's PostgresPool describes; only `connect` is wrapped below.
  const plain = pool as unknown as PostgresPool;
  if (!enabled) return plain;
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      function query<R>(
        sql: string,
        parameters: ReadonlyArray<unknown>,
      ): Promise<PostgresQueryResult<R>>;
      function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
      function query<R>(
        sqlOrCursor: string | PostgresCursor<R>,
        parameters?: ReadonlyArray<unknown>,
      ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
        if (typeof sqlOrCursor !== "string") {
          return client.query(sqlOrCursor as never) as unknown as PostgresCursor<R>;
        }
        const name = names.get(sqlOrCursor);
        const values = parameters ? [...parameters] : [];
        const result = name
          ? client.query({ name, text: sqlOrCursor, values })
          : client.query(sqlOrCursor, values);
        return result as unknown as Promise<PostgresQueryResult<R>>;
      }
      return { query, release: (destroy?: boolean) => client.release(destroy) };
    },
    end: () => pool.end(),
    // What Kysely reads beside connect/end (a cancel connection is built from them).
    options: plain.options,
    ...(plain.Client ? { Client: plain.Client } : {}),
  };
}
