import { createTestDatabase, type TestDatabase } from "@cairn/db";
import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import { afterEach, describe, expect, it } from "vitest";
import { authenticate, SITE_ADMINS_TEAM } from "../index.js";
import { bootstrapAdmin } from "./bootstrap-admin.js";

function suite(engine: "pglite" | "postgres") {
  return () => {
    const opened: TestDatabase[] = [];
    const fresh = async () => {
      const database = await createTestDatabase(engine, { url: serviceUrl("postgres") });
      opened.push(database);
      return database.db;
    };
    afterEach(async () => {
      for (const database of opened.splice(0)) await database.cleanup();
    });

    it("creates the site admin, its key and a private default project on an empty database", async () => {
      const db = await fresh();
      const result = await bootstrapAdmin(db);
      expect(result?.user.name).toBe("admin");
      const actor = await authenticate(db, `Bearer ${result?.apiKey}`);
      expect(actor).toEqual({ userId: result?.user.id, userName: "admin", isSiteAdmin: true });

      const membership = await db
        .selectFrom("memberships")
        .innerJoin("entities", "entities.id", "memberships.entity_id")
        .select(["entities.name", "entities.kind", "memberships.role"])
        .where("memberships.user_id", "=", result?.user.id ?? "")
        .execute();
      expect(membership).toEqual([{ name: SITE_ADMINS_TEAM, kind: "team", role: "admin" }]);
      const project = await db
        .selectFrom("projects")
        .select(["name", "visibility", "entity_id"])
        .execute();
      expect(project).toEqual([
        { name: "default", visibility: "private", entity_id: result?.user.id },
      ]);
    });

    it("is idempotent: once users exist it returns null and creates nothing", async () => {
      const db = await fresh();
      const first = await bootstrapAdmin(db, { name: "root" });
      expect(first?.user.name).toBe("root");
      expect(await bootstrapAdmin(db, { name: "root" })).toBeNull();
      expect(await bootstrapAdmin(db, { name: "other" })).toBeNull();
      const users = await db
        .selectFrom("entities")
        .select("name")
        .where("kind", "=", "user")
        .execute();
      expect(users).toEqual([{ name: "root" }]);
      expect(await db.selectFrom("api_keys").select("id").execute()).toHaveLength(1);
    });

    it("creates exactly one admin when several servers start at once", async () => {
      const db = await fresh();
      const results = await Promise.all(Array.from({ length: 4 }, () => bootstrapAdmin(db)));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect(await db.selectFrom("entities").select("name").orderBy("name").execute()).toEqual([
        { name: "admin" },
        { name: SITE_ADMINS_TEAM },
      ]);
    });

    it("refuses an invalid or reserved admin name", async () => {
      const db = await fresh();
      await expect(bootstrapAdmin(db, { name: "Admin" })).rejects.toMatchObject({
        code: "INVALID_ENTITY",
      });
      await expect(bootstrapAdmin(db, { name: SITE_ADMINS_TEAM })).rejects.toMatchObject({
        code: "CONFLICT",
      });
      expect(await db.selectFrom("entities").select("id").execute()).toEqual([]);
    });
  };
}

describe("bootstrapAdmin [pglite]", suite("pglite"));
await describeWithServices(["postgres"], "bootstrapAdmin [postgres]", suite("postgres"));
