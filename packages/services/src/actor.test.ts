import { createTestDatabase, type TestDatabase } from "@cairn/db";
import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import { afterEach, describe, expect, it } from "vitest";
import { bootstrapAdmin } from "./accounts/bootstrap-admin.js";
import { authenticate, createActorCache, generateApiKey } from "./index.js";

describe("createActorCache", () => {
  const actor = { userId: "u1", userName: "alice", isSiteAdmin: false };

  it("expires entries after the TTL", () => {
    let clock = 1_000;
    const cache = createActorCache({ ttlMs: 5_000, now: () => clock });
    cache.set("h1", "k1", actor);
    clock += 4_999;
    expect(cache.get("h1")).toEqual(actor);
    clock += 1;
    expect(cache.get("h1")).toBeUndefined();
  });

  it("evicts the least recently used entry beyond maxEntries, and forgets revoked keys", () => {
    const cache = createActorCache({ maxEntries: 2 });
    cache.set("h1", "k1", actor);
    cache.set("h2", "k2", { ...actor, userId: "u2" });
    expect(cache.get("h1")).toEqual(actor); // h1 is now the most recently used
    cache.set("h3", "k3", { ...actor, userId: "u3" });
    expect(cache.get("h2")).toBeUndefined();
    expect(cache.get("h1")?.userId).toBe("u1");
    expect(cache.get("h3")?.userId).toBe("u3");
    cache.forgetKey("k3");
    expect(cache.get("h3")).toBeUndefined();
    cache.clear();
    expect(cache.get("h1")).toBeUndefined();
  });
});

function suite(engine: "pglite" | "postgres") {
  return () => {
    const opened: TestDatabase[] = [];
    afterEach(async () => {
      for (const database of opened.splice(0)) await database.cleanup();
    });
    const fresh = async () => {
      const database = await createTestDatabase(engine, { url: serviceUrl("postgres") });
      opened.push(database);
      return database.db;
    };

    it("resolves site admins and plain users; a cached key skips the database until forgotten", async () => {
      const db = await fresh();
      const admin = await bootstrapAdmin(db);
      const user = await db
        .insertInto("entities")
        .values({ kind: "user", name: "bob" })
        .returning("id")
        .executeTakeFirstOrThrow();
      const bob = generateApiKey();
      const keyRow = await db
        .insertInto("api_keys")
        .values({ entity_id: user.id, prefix: bob.prefix, hash: bob.hash, label: "t" })
        .returning("id")
        .executeTakeFirstOrThrow();

      expect(await authenticate(db, `Bearer ${admin?.apiKey}`)).toMatchObject({
        userName: "admin",
        isSiteAdmin: true,
      });
      const cache = createActorCache();
      const header = `Bearer ${bob.key}`;
      expect(await authenticate(db, header, cache)).toEqual({
        userId: user.id,
        userName: "bob",
        isSiteAdmin: false,
      });
      // Revoked in the database: the cached entry still answers (the documented TTL window)…
      await db
        .updateTable("api_keys")
        .set({ revoked_at: new Date() })
        .where("id", "=", keyRow.id)
        .execute();
      expect((await authenticate(db, header, cache))?.userName).toBe("bob");
      // …until this process forgets the key, and without a cache the revocation is immediate.
      await expect(authenticate(db, header)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      cache.forgetKey(keyRow.id);
      await expect(authenticate(db, header, cache)).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
      // A wrong secret with a known key id is refused, cache or not.
      const forged = `Bearer cairn_${bob.prefix}_${"A".repeat(43)}`;
      await expect(authenticate(db, forged, cache)).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    });
  };
}

describe("authenticate [pglite]", suite("pglite"));
await describeWithServices(["postgres"], "authenticate [postgres]", suite("postgres"));
