import { isCairnError } from "@cairn/core";
import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { describeEngines } from "./engines.test-helpers.js";
import {
  createDatabase,
  createTestDatabase,
  MIGRATIONS,
  type Migration,
  migrate,
  splitStatements,
} from "./index.js";

const extra: Migration = {
  id: "9000-test-extra",
  sql: "create table test_extra (id int primary key);\ninsert into test_extra values (1);\n",
};

await describeEngines("migrate", (database) => {
  it("has applied every migration once, with checksums", async () => {
    const rows = await database()
      .db.selectFrom("cairn_migrations")
      .select(["id", "checksum"])
      .orderBy("id")
      .execute();
    expect(rows.map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));
    for (const row of rows) expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is idempotent: a second run applies nothing", async () => {
    const result = await migrate(database().db);
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toEqual(MIGRATIONS.map((m) => m.id));
  });

  it("applies only the new migration, in order, once — even when started concurrently", async () => {
    const { db } = database();
    const runs = await Promise.all([
      migrate(db, [...MIGRATIONS, extra]),
      migrate(db, [extra, ...MIGRATIONS]),
    ]);
    expect(runs.flatMap((r) => r.applied)).toEqual([extra.id]);
    const rows = await sql<{ id: number }>`select id from test_extra`.execute(db);
    expect(rows.rows).toEqual([{ id: 1 }]);
  });

  it("refuses an applied migration whose SQL changed", async () => {
    const edited = { ...extra, sql: `${extra.sql}-- edited\n` };
    const error = await migrate(database().db, [...MIGRATIONS, edited]).catch((e: unknown) => e);
    expect(isCairnError(error, "CONFLICT")).toBe(true);
    expect((error as Error).message).toMatch(/never be edited/);
  });

  it("refuses a database migrated by a newer Cairn", async () => {
    const error = await migrate(database().db, MIGRATIONS).catch((e: unknown) => e);
    expect(isCairnError(error, "CONFLICT")).toBe(true);
    expect((error as Error).message).toContain(extra.id);
  });

  it("rolls back a failing migration completely", async () => {
    const broken: Migration = {
      id: "9001-broken",
      sql: "create table half_done (id int);\nselect * from no_such_table;\n",
    };
    await expect(migrate(database().db, [...MIGRATIONS, extra, broken])).rejects.toThrow(
      /no_such_table/,
    );
    const tables = await sql<{ n: number }>`
      select count(*)::int as n from information_schema.tables where table_name = 'half_done'`.execute(
      database().db,
    );
    expect(tables.rows[0]?.n).toBe(0);
    const ids = await database().db.selectFrom("cairn_migrations").select("id").execute();
    expect(ids.map((r) => r.id)).not.toContain(broken.id);
  });
});

await describeWithServices(["postgres"], "migrate from two servers at once [postgres]", () => {
  it("lets two processes' pools migrate one fresh schema without racing", async () => {
    const holder = await createTestDatabase("postgres", { url: serviceUrl("postgres") });
    const schema = holder.schema ?? "";
    await sql.raw(`drop schema "${schema}" cascade; create schema "${schema}"`).execute(holder.db);
    const a = await createDatabase({ url: serviceUrl("postgres"), schema });
    const b = await createDatabase({ url: serviceUrl("postgres"), schema });
    try {
      const [ra, rb] = await Promise.all([migrate(a.db), migrate(b.db)]);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(MIGRATIONS.map((m) => m.id));
      const rows = await a.db.selectFrom("cairn_migrations").select("id").execute();
      expect(rows).toHaveLength(MIGRATIONS.length);
    } finally {
      await a.close();
      await b.close();
      await holder.cleanup();
    }
  });
});

describe("splitStatements", () => {
  it("splits at a semicolon that ends a line and drops comment-only pieces", () => {
    expect(
      splitStatements("create table a (x text default 'a;b');\n-- only a comment\n;\nselect 1;"),
    ).toEqual(["create table a (x text default 'a;b')", "select 1"]);
  });

  it("splits the initial migration into its create statements", () => {
    const statements = splitStatements(MIGRATIONS[0]?.sql ?? "");
    for (const statement of statements)
      expect(statement).toMatch(/^create (table|index|unique index) /);
    const tables = statements.map((s) => /^create table (\w+)/.exec(s)?.[1]).filter(Boolean);
    expect(tables).toHaveLength(19);
    expect(tables).toContain("manifest_entries");
    expect(statements).toHaveLength(39);
  });
});
