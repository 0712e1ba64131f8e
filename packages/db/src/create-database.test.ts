import { isCairnError } from "@cairn/core";
import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { describeEngines } from "./engines.test-helpers.js";
import { createDatabase, createTestDatabase, parseInt8, toSafeNumber } from "./index.js";

await describeEngines("createDatabase", (database, engine) => {
  it("reports its dialect", () => {
    expect(database().dialect).toBe(engine);
  });

  it("reads bigint as a number (count, identity, sizes) and beyond 2^53 as an exact bigint", async () => {
    const { db } = database();
    const { rows } = await sql<{ c: unknown; big: unknown; small: unknown; n: unknown }>`
      select count(*) as c, 9007199254740993::int8 as big, 5::int8 as small, 1.5::numeric as n`.execute(
      db,
    );
    expect(rows[0]).toEqual({ c: 1, big: 9007199254740993n, small: 5, n: "1.5" });
    const counted = await db
      .selectFrom("cairn_migrations")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(counted.n).toBeTypeOf("number");
  });

  it("commits and rolls back db.transaction()", async () => {
    const { db } = database();
    await db.transaction().execute(async (trx) => {
      await trx.insertInto("entities").values({ kind: "user", name: "committed" }).execute();
    });
    const failure = db.transaction().execute(async (trx) => {
      await trx.insertInto("entities").values({ kind: "user", name: "rolled-back" }).execute();
      throw new Error("boom");
    });
    await expect(failure).rejects.toThrow("boom");
    const names = await db
      .selectFrom("entities")
      .select("name")
      .where("name", "in", ["committed", "rolled-back"])
      .execute();
    expect(names.map((r) => r.name)).toEqual(["committed"]);
  });

  it("keeps concurrent queries out of another caller's open transaction", async () => {
    const { db } = database();
    let inside!: () => void;
    const insideTx = new Promise<void>((resolve) => {
      inside = resolve;
    });
    let finish!: () => void;
    const mayFinish = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const tx = db.transaction().execute(async (trx) => {
      await trx.insertInto("entities").values({ kind: "team", name: "tx-team" }).execute();
      inside();
      await mayFinish;
      throw new Error("rollback on purpose");
    });
    await insideTx;
    // Issued while the transaction is open: it must neither join it (PGlite's single session)
    // nor see its uncommitted row.
    const outside = db
      .insertInto("entities")
      .values({ kind: "team", name: "outside-team" })
      .execute();
    const seen = db.selectFrom("entities").select("name").where("name", "=", "tx-team").execute();
    setTimeout(finish, 50);
    await expect(tx).rejects.toThrow("rollback on purpose");
    await outside;
    expect(await seen).toEqual([]);
    const rows = await db
      .selectFrom("entities")
      .select("name")
      .where("name", "in", ["tx-team", "outside-team"])
      .execute();
    expect(rows.map((r) => r.name)).toEqual(["outside-team"]);
  });

  it("runs many concurrent transactions without losing updates", async () => {
    const { db } = database();
    const entity = await db
      .insertInto("entities")
      .values({ kind: "user", name: "counter" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const project = await db
      .insertInto("projects")
      .values({ entity_id: entity.id, name: "p" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const collection = await db
      .insertInto("collections")
      .values({ project_id: project.id, name: "c", type: "dataset" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const numbers = await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction().execute(async (trx) => {
          const row = await trx
            .updateTable("collections")
            .set((eb) => ({ next_version_number: eb("next_version_number", "+", 1) }))
            .where("id", "=", collection.id)
            .returning("next_version_number")
            .executeTakeFirstOrThrow();
          return row.next_version_number - 1;
        }),
      ),
    );
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe("createDatabase config", () => {
  it("refuses configs that are not one of the three shapes, saying which are allowed", async () => {
    const error = await createDatabase({} as never).catch((e: unknown) => e);
    expect(isCairnError(error, "INVALID_INPUT")).toBe(true);
    expect((error as Error).message).toMatch(/url.*dataDir.*memory/s);
  });

  it("refuses a non-postgres URL, a bad schema name and a bad pool size", async () => {
    const url = serviceUrl("postgres");
    for (const config of [
      { url: "mysql://root@localhost/x" },
      { url, schema: "Robert'); drop table x;--" },
      { url, poolSize: 0 },
    ]) {
      const error = await createDatabase(config).catch((e: unknown) => e);
      expect(isCairnError(error, "INVALID_INPUT")).toBe(true);
    }
  });

  it("reports an unreachable server as UNAVAILABLE without leaking the password", async () => {
    const error = await createDatabase({ url: "postgres://cairn:s3cret@127.0.0.1:1/none" }).catch(
      (e: unknown) => e,
    );
    expect(isCairnError(error, "UNAVAILABLE")).toBe(true);
    expect((error as Error).message).toContain("DATABASE_URL");
    expect((error as Error).message).not.toContain("s3cret");
  });

  it("parses int8 text like PGlite does", () => {
    expect(parseInt8("42")).toBe(42);
    expect(parseInt8("-9007199254740991")).toBe(-9007199254740991);
    expect(parseInt8("9007199254740993")).toBe(9007199254740993n);
    expect(toSafeNumber("12")).toBe(12);
    expect(toSafeNumber(7n)).toBe(7);
    expect(toSafeNumber(null)).toBe(0);
    expect(() => toSafeNumber("9007199254740993")).toThrow(RangeError);
  });
});

await describeWithServices(["postgres"], "createDatabase on PostgreSQL with a schema", () => {
  it("creates the schema and sets search_path on every pooled connection", async () => {
    const test = await createTestDatabase("postgres", { url: serviceUrl("postgres"), poolSize: 4 });
    try {
      // More concurrent queries than pooled connections: each must see the test schema.
      const schemas = await Promise.all(
        Array.from({ length: 12 }, () =>
          sql<{
            s: string;
            pid: number;
          }>`select current_schema() as s, pg_backend_pid() as pid, pg_sleep(0.05)`.execute(
            test.db,
          ),
        ),
      );
      expect(new Set(schemas.map((r) => r.rows[0]?.s))).toEqual(new Set([test.schema]));
      expect(new Set(schemas.map((r) => r.rows[0]?.pid)).size).toBeGreaterThan(1);
      const tables = await sql<{ n: number }>`
        select count(*)::int as n from information_schema.tables where table_schema = ${test.schema}`.execute(
        test.db,
      );
      expect(tables.rows[0]?.n).toBeGreaterThanOrEqual(20);
    } finally {
      await test.cleanup();
    }
    const probe = await createDatabase({ url: serviceUrl("postgres") });
    try {
      const left = await sql<{ n: number }>`
        select count(*)::int as n from information_schema.schemata where schema_name = ${test.schema}`.execute(
        probe.db,
      );
      expect(left.rows[0]?.n).toBe(0);
    } finally {
      await probe.close();
    }
  });
});
