import { type Kysely, sql } from "kysely";
import { expect, it } from "vitest";
import { describeEngines } from "./engines.test-helpers.js";
import type { Database } from "./index.js";

const UNIQUE = "23505";
const CHECK = "23514";
const FOREIGN_KEY = "23503";

async function violation(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

const hex = (c: string) => c.repeat(64);

/** An entity, a project, a collection and a manifest to hang versions on. */
async function fixture(db: Kysely<Database>, name: string) {
  const entity = await db
    .insertInto("entities")
    .values({ kind: "team", name })
    .returning("id")
    .executeTakeFirstOrThrow();
  const project = await db
    .insertInto("projects")
    .values({ entity_id: entity.id, name: "proj", protected_aliases: ["production", "staging"] })
    .returning(["id", "visibility", "protected_aliases"])
    .executeTakeFirstOrThrow();
  const collection = await db
    .insertInto("collections")
    .values({ project_id: project.id, name: "cats", type: "dataset" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const manifest = await db
    .insertInto("manifests")
    .values({ digest: `m-${name}` })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { entity: entity.id, project, collection: collection.id, manifest: manifest.id };
}

await describeEngines("schema", (database) => {
  it("creates exactly the tables of the Database interface", async () => {
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = current_schema() order by table_name`.execute(
      database().db,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      "aliases",
      "api_keys",
      "audit_log",
      "blob_owners",
      "blobs",
      "cairn_migrations",
      "collections",
      "draft_entries",
      "draft_upserts",
      "drafts",
      "entities",
      "event_streams",
      "events",
      "manifest_entries",
      "manifests",
      "memberships",
      "pack_entries",
      "packs",
      "projects",
      "run_logged_version",
      "run_used_version",
      "runs",
      "settings",
      "upload_sessions",
      "versions",
      "webhook_deliveries",
      "webhooks",
    ]);
  });

  it("keeps entity names unique and projects unique per entity, with checked enums and defaults", async () => {
    const { db } = database();
    const f = await fixture(db, "acme");
    expect(f.project.visibility).toBe("private");
    expect(f.project.protected_aliases).toEqual(["production", "staging"]);
    expect(
      await violation(db.insertInto("entities").values({ kind: "user", name: "acme" }).execute()),
    ).toBe(UNIQUE);
    expect(
      await violation(
        db
          .insertInto("entities")
          .values({ kind: "robot" as never, name: "r2" })
          .execute(),
      ),
    ).toBe(CHECK);
    expect(
      await violation(
        db.insertInto("projects").values({ entity_id: f.entity, name: "proj" }).execute(),
      ),
    ).toBe(UNIQUE);
    expect(
      await violation(
        db
          .insertInto("projects")
          .values({ entity_id: f.entity, name: "p2", visibility: "secret" as never })
          .execute(),
      ),
    ).toBe(CHECK);
    const user = await db
      .insertInto("entities")
      .values({ kind: "user", name: "alice" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("memberships")
      .values({ entity_id: f.entity, user_id: user.id, role: "admin" })
      .execute();
    expect(
      await violation(
        db
          .insertInto("memberships")
          .values({ entity_id: f.entity, user_id: user.id, role: "owner" as never })
          .execute(),
      ),
    ).toBe(CHECK);
  });

  it("stores only a sha256 hex hash for API keys and finds them by unique prefix", async () => {
    const { db } = database();
    const user = await db
      .insertInto("entities")
      .values({ kind: "user", name: "keyholder" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("api_keys")
      .values({ entity_id: user.id, prefix: "ck_abc", hash: hex("a"), label: "ci" })
      .execute();
    expect(
      await violation(
        db
          .insertInto("api_keys")
          .values({ entity_id: user.id, prefix: "ck_def", hash: "ck_def_cleartext" })
          .execute(),
      ),
    ).toBe(CHECK);
    expect(
      await violation(
        db
          .insertInto("api_keys")
          .values({ entity_id: user.id, prefix: "ck_abc", hash: hex("b") })
          .execute(),
      ),
    ).toBe(UNIQUE);
  });

  it("scopes run ids to their project and ties lineage edges to existing runs", async () => {
    const { db } = database();
    const a = await fixture(db, "runs-a");
    const b = await fixture(db, "runs-b");
    await db
      .insertInto("runs")
      .values({ project_id: a.project.id, id: "run-1", config: JSON.stringify({ lr: 0.1 }) })
      .execute();
    await db.insertInto("runs").values({ project_id: b.project.id, id: "run-1" }).execute();
    expect(
      await violation(
        db.insertInto("runs").values({ project_id: a.project.id, id: "run-1" }).execute(),
      ),
    ).toBe(UNIQUE);
    const run = await db
      .selectFrom("runs")
      .selectAll()
      .where("project_id", "=", a.project.id)
      .executeTakeFirstOrThrow();
    expect(run.config).toEqual({ lr: 0.1 });
    expect(run.state).toBe("running");
    const version = await db
      .insertInto("versions")
      .values({ collection_id: a.collection, number: 0, digest: "d0", manifest_id: a.manifest })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("run_logged_version")
      .values({ project_id: a.project.id, run_id: "run-1", version_id: version.id })
      .execute();
    await db
      .insertInto("run_used_version")
      .values({ project_id: b.project.id, run_id: "run-1", version_id: version.id })
      .execute();
    expect(
      await violation(
        db
          .insertInto("run_used_version")
          .values({ project_id: a.project.id, run_id: "ghost", version_id: version.id })
          .execute(),
      ),
    ).toBe(FOREIGN_KEY);
  });

  it("numbers versions uniquely and allows one committed version per digest (a deleted one frees it)", async () => {
    const { db } = database();
    const f = await fixture(db, "versions");
    const base = { collection_id: f.collection, manifest_id: f.manifest };
    const v0 = await db
      .insertInto("versions")
      .values({
        ...base,
        number: 0,
        digest: "same",
        metadata: JSON.stringify({ ap50: 0.7 }),
        tags: ["x"],
      })
      .returning(["id", "metadata", "tags", "state", "ttl_policy", "size"])
      .executeTakeFirstOrThrow();
    expect(v0).toMatchObject({
      metadata: { ap50: 0.7 },
      tags: ["x"],
      state: "committed",
      ttl_policy: "inherit",
      size: 0,
    });
    expect(
      await violation(
        db
          .insertInto("versions")
          .values({ ...base, number: 0, digest: "other" })
          .execute(),
      ),
    ).toBe(UNIQUE);
    expect(
      await violation(
        db
          .insertInto("versions")
          .values({ ...base, number: 1, digest: "same" })
          .execute(),
      ),
    ).toBe(UNIQUE);
    await db.updateTable("versions").set({ state: "deleted" }).where("id", "=", v0.id).execute();
    await db
      .insertInto("versions")
      .values({ ...base, number: 1, digest: "same" })
      .execute();
    // A duration TTL needs its length, and only a duration may have one.
    expect(
      await violation(
        db
          .insertInto("versions")
          .values({ ...base, number: 2, digest: "t", ttl_policy: "duration" })
          .execute(),
      ),
    ).toBe(CHECK);
    expect(
      await violation(
        db
          .insertInto("versions")
          .values({ ...base, number: 2, digest: "t", ttl_ms: 1000 })
          .execute(),
      ),
    ).toBe(CHECK);
    await db
      .insertInto("versions")
      .values({ ...base, number: 2, digest: "t", ttl_policy: "duration", ttl_ms: 1000 })
      .execute();
  });

  it("points each alias at one version of its own collection", async () => {
    const { db } = database();
    const f = await fixture(db, "aliases");
    const other = await db
      .insertInto("collections")
      .values({ project_id: f.project.id, name: "dogs", type: "dataset" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const v = await db
      .insertInto("versions")
      .values({ collection_id: f.collection, number: 0, digest: "a", manifest_id: f.manifest })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("aliases")
      .values({ collection_id: f.collection, alias: "latest", version_id: v.id })
      .execute();
    expect(
      await violation(
        db
          .insertInto("aliases")
          .values({ collection_id: f.collection, alias: "latest", version_id: v.id })
          .execute(),
      ),
    ).toBe(UNIQUE);
    expect(
      await violation(
        db
          .insertInto("aliases")
          .values({ collection_id: other.id, alias: "best", version_id: v.id })
          .execute(),
      ),
    ).toBe(FOREIGN_KEY);
    await db.deleteFrom("versions").where("id", "=", v.id).execute();
    expect(
      await db
        .selectFrom("aliases")
        .selectAll()
        .where("collection_id", "=", f.collection)
        .execute(),
    ).toEqual([]);
  });

  it("keeps one draft per (project, name, distributedId) and merges entries by latest seq", async () => {
    const { db } = database();
    const f = await fixture(db, "drafts");
    const draft = await db
      .insertInto("drafts")
      .values({
        project_id: f.project.id,
        name: "shards",
        type: "dataset",
        distributed_id: "group-1",
      })
      .returning(["id", "status", "last_accepted_seq"])
      .executeTakeFirstOrThrow();
    expect(draft).toMatchObject({ status: "open", last_accepted_seq: 0 });
    expect(
      await violation(
        db
          .insertInto("drafts")
          .values({
            project_id: f.project.id,
            name: "shards",
            type: "dataset",
            distributed_id: "group-1",
          })
          .execute(),
      ),
    ).toBe(UNIQUE);
    await db
      .insertInto("draft_upserts")
      .values({ draft_id: draft.id, seq: 1, entries: JSON.stringify([{ path: "a" }]) })
      .execute();
    expect(
      await violation(
        db
          .insertInto("draft_upserts")
          .values({ draft_id: draft.id, seq: 1, entries: "[]" })
          .execute(),
      ),
    ).toBe(UNIQUE);
    // Upserts may be applied out of order; a later seq wins for a path, an earlier one never overwrites it.
    const apply = (seq: number, digest: string) =>
      db
        .insertInto("draft_entries")
        .values({ draft_id: draft.id, path: "a.txt", digest, size: 1, seq })
        .onConflict((oc) =>
          oc
            .columns(["draft_id", "path"])
            .doUpdateSet((eb) => ({
              digest: eb.ref("excluded.digest"),
              seq: eb.ref("excluded.seq"),
            }))
            .where("draft_entries.seq", "<", (eb) => eb.ref("excluded.seq")),
        )
        .execute();
    await apply(2, "two");
    await apply(1, "one");
    await apply(3, "three");
    const entry = await db
      .selectFrom("draft_entries")
      .select(["digest", "seq"])
      .where("draft_id", "=", draft.id)
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({ digest: "three", seq: 3 });
  });

  it("records blob ownership per entity and rejects non-sha256 blob digests", async () => {
    const { db } = database();
    const a = await db
      .insertInto("entities")
      .values({ kind: "user", name: "blob-a" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const b = await db
      .insertInto("entities")
      .values({ kind: "user", name: "blob-b" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("blobs")
      .values({ digest: hex("c"), size: 10 })
      .execute();
    expect(
      await violation(db.insertInto("blobs").values({ digest: "not-a-digest", size: 1 }).execute()),
    ).toBe(CHECK);
    await db
      .insertInto("blob_owners")
      .values({ entity_id: a.id, digest: hex("c"), verified: true })
      .execute();
    // Dedup is per entity: b has not proved it holds the bytes, even though they are stored.
    const owned = (entity: string) =>
      db
        .selectFrom("blob_owners")
        .select("digest")
        .where("entity_id", "=", entity)
        .where("digest", "=", hex("c"))
        .execute();
    expect(await owned(a.id)).toHaveLength(1);
    expect(await owned(b.id)).toHaveLength(0);
    expect(
      await violation(
        db
          .insertInto("blob_owners")
          .values({ entity_id: b.id, digest: hex("d") })
          .execute(),
      ),
    ).toBe(FOREIGN_KEY);
    await db
      .insertInto("upload_sessions")
      .values({
        entity_id: b.id,
        digest: hex("c"),
        size: 10,
        expires_at: new Date(Date.now() + 60_000),
      })
      .execute();
    const session = await db
      .selectFrom("upload_sessions")
      .selectAll()
      .where("entity_id", "=", b.id)
      .executeTakeFirstOrThrow();
    expect(session.state).toBe("pending");
    expect(session.expires_at).toBeInstanceOf(Date);
  });

  it("cascades a project's deletion to its collections, versions and runs, keeping audit rows", async () => {
    const { db } = database();
    const f = await fixture(db, "cascade");
    await db
      .insertInto("versions")
      .values({ collection_id: f.collection, number: 0, digest: "x", manifest_id: f.manifest })
      .execute();
    await db.insertInto("runs").values({ project_id: f.project.id, id: "r" }).execute();
    const audit = await db
      .insertInto("audit_log")
      .values({
        project_id: f.project.id,
        action: "alias.move",
        collection: "cats",
        alias: "production",
        to_version: "v0",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(typeof audit.id).toBe("number");
    await db.deleteFrom("projects").where("id", "=", f.project.id).execute();
    expect(
      await db.selectFrom("collections").select("id").where("id", "=", f.collection).execute(),
    ).toEqual([]);
    expect(
      await db
        .selectFrom("versions")
        .select("id")
        .where("collection_id", "=", f.collection)
        .execute(),
    ).toEqual([]);
    expect(
      await db.selectFrom("runs").select("id").where("project_id", "=", f.project.id).execute(),
    ).toEqual([]);
    const kept = await db
      .selectFrom("audit_log")
      .selectAll()
      .where("id", "=", audit.id)
      .executeTakeFirstOrThrow();
    expect(kept.project_id).toBeNull();
    expect(kept.details).toEqual({});
  });
});
