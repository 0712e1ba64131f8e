import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ArtifactWorld,
  createArtifactWorld,
  expectCode,
  refEntry,
} from "./queries.test-helpers.js";

const DAY = 86_400_000;

function suite(kind: "pglite" | "postgres") {
  let w: ArtifactWorld;
  const P = { entity: "alice", project: "vision" };
  const L = { entity: "lab", project: "shared" };

  beforeAll(async () => {
    w = await createArtifactWorld(kind);
    await w.project("vision");
  });
  afterAll(() => w?.close());

  it("updates description, metadata and tags without touching contents", async () => {
    const v0 = await w.log("vision", "edited", [refEntry("a")]);
    const updated = await w.t.services.artifacts.update(w.alice, {
      ...P,
      ref: "edited:latest",
      description: "cleaned",
      metadata: { rows: 3 },
      tags: ["clean", "clean", "v-two"],
    });
    expect(updated).toMatchObject({
      id: v0.id,
      digest: v0.digest,
      description: "cleaned",
      metadata: { rows: 3 },
      tags: ["clean", "v-two"],
    });
    expect(updated.fileCount).toBe(v0.fileCount);
    const cleared = await w.t.services.artifacts.update(w.alice, {
      ...P,
      ref: "edited:v0",
      description: null,
    });
    expect(cleared.description).toBeNull();
    expect(cleared.metadata).toEqual({ rows: 3 });
  });

  it("recomputes the expiry from the creation time when the TTL changes", async () => {
    const v = await w.log("vision", "ttl", [refEntry("t")]);
    const withTtl = await w.t.services.artifacts.update(w.alice, {
      ...P,
      ref: "ttl:v0",
      ttl: "30d",
    });
    expect(withTtl.ttl).toBe("30d");
    expect(Date.parse(withTtl.expiresAt ?? "")).toBe(Date.parse(v.createdAt) + 30 * DAY);
    const none = await w.t.services.artifacts.update(w.alice, { ...P, ref: "ttl:v0", ttl: "none" });
    expect([none.ttl, none.expiresAt]).toEqual(["none", null]);
    await expectCode(
      w.t.services.artifacts.update(w.alice, { ...P, ref: "ttl:v0", ttl: "soon" }),
      "INVALID_DURATION",
    );
  });

  it("replaces the whole alias list: moves, adds and removes, each audit-logged", async () => {
    await w.log("vision", "aliased", [refEntry("1")], { aliases: ["best"] });
    await w.log("vision", "aliased", [refEntry("2")]);
    const v1 = await w.t.services.artifacts.update(w.alice, {
      ...P,
      ref: "aliased:v1",
      aliases: ["best", "candidate"],
    });
    expect(v1.aliases).toEqual(["best", "candidate"]);
    const v0 = await w.t.services.artifacts.get(w.alice, { ...P, ref: "aliased:v0" });
    expect(v0.aliases).toEqual([]);
    const log = await w.t.services.artifacts.audit(w.alice, { ...P, name: "aliased", limit: 3 });
    expect(log.map((r) => [r.action, r.alias, r.fromVersion, r.toVersion])).toEqual(
      expect.arrayContaining([
        ["alias.remove", "latest", "v1", null],
        ["alias.move", "best", "v0", "v1"],
        ["alias.set", "candidate", null, "v1"],
      ]),
    );
    await expectCode(
      w.t.services.artifacts.update(w.alice, { ...P, ref: "aliased:v1", aliases: ["v3"] }),
      "RESERVED_ALIAS",
    );
    const unchanged = await w.t.services.artifacts.update(w.alice, {
      ...P,
      ref: "aliased:v1",
      aliases: ["candidate", "best"],
    });
    expect(unchanged.aliases).toEqual(["best", "candidate"]);
  });

  it("sets and removes single aliases, refusing vN and keeping removal idempotent", async () => {
    await w.log("vision", "single", [refEntry("s0")]);
    await w.log("vision", "single", [refEntry("s1")]);
    const set = await w.t.services.artifacts.setAlias(w.alice, {
      ...P,
      ref: "single:v0",
      alias: "prod",
    });
    expect(set.aliases).toEqual(["prod"]);
    const moved = await w.t.services.artifacts.setAlias(w.alice, {
      ...P,
      ref: "single:v1",
      alias: "prod",
    });
    expect(moved.aliases).toEqual(["latest", "prod"]);
    await expectCode(
      w.t.services.artifacts.setAlias(w.alice, { ...P, ref: "single:v1", alias: "v0" }),
      "RESERVED_ALIAS",
    );
    expect(
      await w.t.services.artifacts.removeAlias(w.alice, { ...P, name: "single", alias: "prod" }),
    ).toEqual({
      alias: "prod",
      removedFrom: "v1",
    });
    expect(
      await w.t.services.artifacts.removeAlias(w.alice, { ...P, name: "single", alias: "prod" }),
    ).toEqual({
      alias: "prod",
      removedFrom: null,
    });
    await expectCode(
      w.t.services.artifacts.get(w.alice, { ...P, ref: "single:prod" }),
      "NOT_FOUND",
    );
    const [last] = await w.t.services.artifacts.audit(w.alice, { ...P, name: "single", limit: 1 });
    expect(last).toMatchObject({ action: "alias.remove", alias: "prod", fromVersion: "v1" });
    await expectCode(
      w.t.services.artifacts.removeAlias(w.alice, { ...P, name: "ghost", alias: "x" }),
      "NOT_FOUND",
    );
  });

  it("keeps protected aliases to admins and TTL changes to those who may delete", async () => {
    const sharedId = (
      await w.t.services.deps.db
        .selectFrom("projects")
        .select("id")
        .where("name", "=", "shared")
        .executeTakeFirstOrThrow()
    ).id;
    await w.protect(sharedId, ["production"]);
    await w.log("shared", "model", [refEntry("w")], { entity: "lab", as: w.carol, type: "model" });
    await expectCode(
      w.t.services.artifacts.setAlias(w.carol, { ...L, ref: "model:v0", alias: "production" }),
      "FORBIDDEN",
    );
    await expectCode(
      w.t.services.artifacts.update(w.carol, {
        ...L,
        ref: "model:v0",
        aliases: ["latest", "production"],
      }),
      "FORBIDDEN",
    );
    expect(
      (
        await w.t.services.artifacts.setAlias(w.alice, {
          ...L,
          ref: "model:v0",
          alias: "production",
        })
      ).aliases,
    ).toContain("production");
    await expectCode(
      w.t.services.artifacts.removeAlias(w.carol, { ...L, name: "model", alias: "production" }),
      "FORBIDDEN",
    );
    await expectCode(
      w.t.services.artifacts.delete(w.carol, { ...L, ref: "model:v0", deleteAliases: true }),
      "FORBIDDEN",
    );
    // Members may do the rest.
    expect(
      (await w.t.services.artifacts.setAlias(w.carol, { ...L, ref: "model:v0", alias: "staging" }))
        .aliases,
    ).toContain("staging");

    await w.project("playground", "open");
    await w.log("playground", "toy", [refEntry("t")]);
    const O = { entity: "alice", project: "playground" };
    expect(
      (
        await w.t.services.artifacts.update(w.bob, {
          ...O,
          ref: "toy:v0",
          description: "bob was here",
        })
      ).description,
    ).toBe("bob was here");
    await expectCode(
      w.t.services.artifacts.update(w.bob, { ...O, ref: "toy:v0", ttl: "1d" }),
      "FORBIDDEN",
    );
    await expectCode(
      w.t.services.artifacts.setCollection(w.bob, { ...O, name: "toy", defaultTtl: "1d" }),
      "FORBIDDEN",
    );
    await expectCode(
      w.t.services.artifacts.delete(w.bob, { ...O, ref: "toy:v0", deleteAliases: true }),
      "FORBIDDEN",
    );
    await expectCode(
      w.t.services.artifacts.update(null, { ...O, ref: "toy:v0", description: "anon" }),
      "UNAUTHORIZED",
    );
    await expectCode(
      w.t.services.artifacts.update(w.bob, { ...P, ref: "edited:v0", description: "x" }),
      "NOT_FOUND",
    );
  });

  it("deletes a version only with deleteAliases when aliased, hides it and never reuses its number", async () => {
    const v0 = await w.log("vision", "doomed", [refEntry("d0")], { aliases: ["keep"] });
    const refused = await expectCode(
      w.t.services.artifacts.delete(w.alice, { ...P, ref: "doomed:v0" }),
      "ALIASES_STILL_ATTACHED",
    );
    expect(refused.message).toContain('"keep"');
    const deleted = await w.t.services.artifacts.delete(w.alice, {
      ...P,
      ref: "doomed:v0",
      deleteAliases: true,
    });
    expect(deleted).toMatchObject({ id: v0.id, state: "deleted", aliases: [] });
    await expectCode(w.t.services.artifacts.get(w.alice, { ...P, ref: "doomed:v0" }), "NOT_FOUND");
    await expectCode(
      w.t.services.artifacts.get(w.alice, { ...P, ref: "doomed:keep" }),
      "NOT_FOUND",
    );
    const row = await w.t.services.deps.db
      .selectFrom("versions")
      .select("deleted_at")
      .where("id", "=", v0.id)
      .executeTakeFirstOrThrow();
    expect(row.deleted_at).toBeInstanceOf(Date);
    const again = await w.log("vision", "doomed", [refEntry("d0")]);
    expect(again.version).toBe("v1");
    const log = await w.t.services.artifacts.audit(w.alice, { ...P, name: "doomed" });
    expect(log.map((r) => r.action)).toEqual(
      expect.arrayContaining(["version.delete", "alias.remove"]),
    );
    expect(log.find((r) => r.action === "version.delete")?.fromVersion).toBe("v0");
    await expectCode(
      w.t.services.artifacts.delete(w.alice, { ...P, ref: "doomed:v0", deleteAliases: true }),
      "NOT_FOUND",
    );
  });

  it("edits a collection and re-expires the versions that inherit its default TTL", async () => {
    const inherit = await w.log("vision", "coll", [refEntry("c0")]);
    const own = await w.log("vision", "coll", [refEntry("c1")], { ttl: "none" });
    const summary = await w.t.services.artifacts.setCollection(w.alice, {
      ...P,
      name: "coll",
      description: "d",
      defaultTtl: "7d",
    });
    expect(summary).toMatchObject({
      name: "coll",
      description: "d",
      defaultTtl: "1w",
      versionCount: 2,
      latest: 1,
    });
    const [v1, v0] = (await w.t.services.artifacts.listVersions(w.alice, { ...P, name: "coll" }))
      .versions;
    expect(Date.parse(v0?.expiresAt ?? "")).toBe(Date.parse(inherit.createdAt) + 7 * DAY);
    expect(v1?.id).toBe(own.id);
    expect(v1?.expiresAt).toBeNull();
    const logged = await w.log("vision", "coll", [refEntry("c2")]);
    expect(Date.parse(logged.expiresAt ?? "")).toBe(Date.parse(logged.createdAt) + 7 * DAY);
    const cleared = await w.t.services.artifacts.setCollection(w.alice, {
      ...P,
      name: "coll",
      defaultTtl: "none",
    });
    expect(cleared).toMatchObject({ defaultTtl: null, description: "d" });
    expect(
      (await w.t.services.artifacts.get(w.alice, { ...P, ref: "coll:v0" })).expiresAt,
    ).toBeNull();
    await expectCode(
      w.t.services.artifacts.setCollection(w.alice, { ...P, name: "nope" }),
      "NOT_FOUND",
    );
  });
}

describe("artifact edits (PGlite)", () => suite("pglite"));
await describeWithServices(["postgres"], "artifact edits (PostgreSQL)", () => suite("postgres"));
