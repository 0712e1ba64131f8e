import { randomBytes } from "node:crypto";
import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import { CompiledQuery, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createDatabase } from "./create-database.js";
import { createTestDatabase, preparedStatement, preparedStatementName } from "./index.js";

const MARKED = preparedStatement("select $1::int + $2::int as sum");
const UNMARKED = "select $1::int * $2::int as product";

/** The named statements the connection running the callback holds. */
async function onOneConnection(
  db: Awaited<ReturnType<typeof createDatabase>>["db"],
): Promise<{ sum: number; product: number; names: string[] }> {
  return db.connection().execute(async (conn) => {
    const sum = (await conn.executeQuery<{ sum: number }>(CompiledQuery.raw(MARKED, [2, 3])))
      .rows[0]?.sum;
    const again = (await conn.executeQuery<{ sum: number }>(CompiledQuery.raw(MARKED, [4, 5])))
      .rows[0]?.sum;
    expect(again).toBe(9);
    const product = (
      await conn.executeQuery<{ product: number }>(CompiledQuery.raw(UNMARKED, [2, 3]))
    ).rows[0]?.product;
    const names = (
      await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(
        conn,
      )
    ).rows.map((r) => r.name);
    return { sum: sum ?? -1, product: product ?? -1, names };
  });
}

describe("prepared statements", () => {
  it("names a marked text once, stably, and leaves other texts unnamed", () => {
    const name = preparedStatementName(MARKED);
    expect(name).toMatch(/^cairn_[0-9a-f]{20}$/);
    expect(preparedStatement(MARKED)).toBe(MARKED);
    expect(preparedStatementName(MARKED)).toBe(name);
    expect(preparedStatementName(UNMARKED)).toBeUndefined();
  });

  it("runs marked statements as ordinary queries on PGlite", async () => {
    const database = await createTestDatabase("pglite");
    try {
      const { rows } = await database.db.executeQuery<{ sum: number }>(
        CompiledQuery.raw(MARKED, [20, 22]),
      );
      expect(rows).toEqual([{ sum: 42 }]);
    } finally {
      await database.cleanup();
    }
  });
});

await describeWithServices(["postgres"], "prepared statements [postgres]", () => {
  it("prepares a marked statement once per connection and re-runs it by name", async () => {
    const database = await createTestDatabase("postgres", { url: serviceUrl("postgres") });
    try {
      const { sum, product, names } = await onOneConnection(database.db);
      expect(sum).toBe(5);
      expect(product).toBe(6);
      // Only the marked text is kept on the connection, under its name.
      expect(names).toEqual([preparedStatementName(MARKED)]);
    } finally {
      await database.cleanup();
    }
  });

  it("keeps nothing on the connection with preparedStatements: false (CAIRN_DATABASE_PREPARE)", async () => {
    const schema = `cairn_test_${randomBytes(6).toString("hex")}`;
    const database = await createDatabase({
      url: serviceUrl("postgres"),
      schema,
      poolSize: 2,
      preparedStatements: false,
    });
    try {
      const { sum, product, names } = await onOneConnection(database.db);
      expect(sum).toBe(5);
      expect(product).toBe(6);
      expect(names).toEqual([]);
    } finally {
      await sql.raw(`drop schema if exists "${schema}" cascade`).execute(database.db);
      await database.close();
    }
  });
});
