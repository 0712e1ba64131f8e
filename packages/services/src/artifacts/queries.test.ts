import { diffManifests, type ManifestEntry } from "@cairn/core";
import { storeManifest } from "@cairn/db";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ArtifactWorld,
  createArtifactWorld,
  expectCode,
  refEntry,
} from "./queries.test-helpers.js";

function suite(kind: "pglite" | "postgres") {
  let w: ArtifactWorld;
  const P = { entity: "alice", project: "vision" };

  beforeAll(async () => {
    w = await createArtifactWorld(kind);
    await w.project("vision");
  });
  afterAll(() => w?.close());

  it("lists collections by name in pages, with counts, latest and a type filter", async () => {
    await w.log("vision", "b-model", [refEntry("m.bin")], { type: "model" });
    await w.log("vision", "a-ds", [refEntry("x")]);
    await w.log("vision", "a-ds", [refEntry("y")]);
    await w.log("vision", "c-ds", [refEntry("z")]);
    const first = await w.t.services.artifacts.listCollections(w.alice, { ...P, limit: 2 });
    expect(first.collections.map((c) => c.name)).toEqual(["a-ds", "b-model"]);
    expect(first.collections[0]).toMatchObject({
      type: "dataset",
      versionCount: 2,
      latest: 1,
      defaultTtl: null,
    });
    expect(first.nextCursor).not.toBeNull();
    const second = await w.t.services.artifacts.listCollections(w.alice, {
      ...P,
      limit: 2,
      cursor: first.nextCursor ?? "",
    });
    expect(second.collections.map((c) => c.name)).toEqual(["c-ds"]);
    expect(second.nextCursor).toBeNull();
    const datasets = await w.t.services.artifacts.listCollections(w.alice, {
      ...P,
      type: "dataset",
    });
    expect(datasets.collections.map((c) => c.name)).toEqual(["a-ds", "c-ds"]);
    await expectCode(
      w.t.services.artifacts.listCollections(w.alice, { ...P, cursor: "not-a-cursor" }),
      "INVALID_INPUT",
    );
    await expectCode(w.t.services.artifacts.listCollections(w.bob, P), "NOT_FOUND");
  });

  it("lists versions newest first with a cursor, hiding deleted ones unless asked", async () => {
    for (const name of ["p0", "p1", "p2"]) await w.log("vision", "paged", [refEntry(name)]);
    const page1 = await w.t.services.artifacts.listVersions(w.alice, {
      ...P,
      name: "paged",
      limit: 2,
    });
    expect(page1.versions.map((v) => v.version)).toEqual(["v2", "v1"]);
    const page2 = await w.t.services.artifacts.listVersions(w.alice, {
      ...P,
      name: "paged",
      limit: 2,
      cursor: page1.nextCursor ?? "",
    });
    expect(page2.versions.map((v) => v.version)).toEqual(["v0"]);
    expect(page2.nextCursor).toBeNull();

    await w.t.services.artifacts.delete(w.alice, { ...P, ref: "paged:v1" });
    const live = await w.t.services.artifacts.listVersions(w.alice, { ...P, name: "paged" });
    expect(live.versions.map((v) => v.version)).toEqual(["v2", "v0"]);
    const all = await w.t.services.artifacts.listVersions(w.alice, {
      ...P,
      name: "paged",
      includeDeleted: true,
    });
    expect(all.versions.map((v) => [v.version, v.state])).toEqual([
      ["v2", "committed"],
      ["v1", "deleted"],
      ["v0", "committed"],
    ]);
    await expectCode(
      w.t.services.artifacts.listVersions(w.alice, { ...P, name: "nope" }),
      "NOT_FOUND",
    );
  });

  it("pages a manifest by path with cursors or `after`, and reads single entries", async () => {
    const entries = Array.from({ length: 2500 }, (_, i) =>
      refEntry(`dir/f${String(i).padStart(5, "0")}.bin`, `e${i}`, i),
    );
    await w.log("vision", "many", entries);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await w.t.services.artifacts.manifest(w.alice, {
        ...P,
        ref: "many:latest",
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.entries.map((e) => e.path));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(entries.map((e) => e.path));

    const after = await w.t.services.artifacts.manifest(w.alice, {
      ...P,
      ref: "many:v0",
      after: "dir/f02497.bin",
    });
    expect(after.entries.map((e) => e.path)).toEqual(["dir/f02498.bin", "dir/f02499.bin"]);
    expect(after.nextCursor).toBeNull();
    await expectCode(
      w.t.services.artifacts.manifest(w.alice, {
        ...P,
        ref: "many:v0",
        after: "a",
        cursor: after.nextCursor ?? "x",
      }),
      "INVALID_INPUT",
    );

    const entry = await w.t.services.artifacts.entry(w.alice, {
      ...P,
      ref: "many:v0",
      path: "dir/f00007.bin",
    });
    expect(entry).toEqual({
      path: "dir/f00007.bin",
      digest: "e7",
      size: 7,
      ref: "s3://bucket/dir/f00007.bin",
    });
    const missing = await expectCode(
      w.t.services.artifacts.entry(w.alice, { ...P, ref: "many:v0", path: "dir/F00007.bin" }),
      "NOT_FOUND",
    );
    expect(missing.message).toContain("dir/F00007.bin");
  });

  it("pages deep into a 100,000-entry manifest by keyset", async () => {
    const { db } = w.t.services.deps;
    const project = await db
      .selectFrom("projects")
      .select("id")
      .where("name", "=", "vision")
      .executeTakeFirstOrThrow();
    const collection = await db
      .insertInto("collections")
      .values({ project_id: project.id, name: "huge", type: "dataset", next_version_number: 1 })
      .returning("id")
      .executeTakeFirstOrThrow();
    function* generate() {
      for (let i = 0; i < 100_000; i++)
        yield refEntry(`p/${String(i).padStart(6, "0")}`, `d${i}`, 1);
    }
    const manifest = await storeManifest(db, "f".repeat(64), generate());
    await db
      .insertInto("versions")
      .values({
        collection_id: collection.id,
        number: 0,
        digest: "f".repeat(64),
        manifest_id: manifest.id,
        size: 100_000,
      })
      .execute();
    const page = await w.t.services.artifacts.manifest(w.alice, {
      ...P,
      ref: "huge:v0",
      after: "p/099990",
      limit: 5,
    });
    expect(page.entries.map((e) => e.path)).toEqual([
      "p/099991",
      "p/099992",
      "p/099993",
      "p/099994",
      "p/099995",
    ]);
    const next = await w.t.services.artifacts.manifest(w.alice, {
      ...P,
      ref: "huge:v0",
      cursor: page.nextCursor ?? "",
    });
    expect(next.entries.map((e) => e.path)).toEqual([
      "p/099996",
      "p/099997",
      "p/099998",
      "p/099999",
    ]);
    expect(next.nextCursor).toBeNull();
  });

  it("gives download URLs only for stored files of that version", async () => {
    const a = await w.file("a.txt", "alpha");
    const b = await w.file("b.txt", "beta");
    const other = await w.file("o.txt", "other version only");
    await w.log("vision", "files", [a, b, refEntry("remote.bin", "remote-etag")]);
    await w.log("vision", "other", [other]);
    const { urls } = await w.t.services.artifacts.fileUrls(w.alice, {
      ...P,
      ref: "files:v0",
      digests: [a.digest, b.digest, a.digest],
    });
    expect(urls.map((u) => u.digest)).toEqual([a.digest, b.digest]);
    expect(urls[0]?.url).toContain(`/blobs/${a.digest}?t=`);
    const foreign = await expectCode(
      w.t.services.artifacts.fileUrls(w.alice, {
        ...P,
        ref: "files:v0",
        digests: [a.digest, other.digest],
      }),
      "NOT_FOUND",
    );
    expect(foreign.message).toContain(other.digest);
    await expectCode(
      w.t.services.artifacts.fileUrls(w.alice, { ...P, ref: "files:v0", digests: ["remote-etag"] }),
      "NOT_FOUND",
    );
    await expectCode(
      w.t.services.artifacts.fileUrls(w.bob, { ...P, ref: "files:v0", digests: [a.digest] }),
      "NOT_FOUND",
    );
  });

  it("diffs two versions in SQL: added, removed, changed with sizes, capped with totals", async () => {
    await w.log("vision", "diffed", [
      refEntry("a", "1", 1),
      refEntry("b", "2", 2),
      refEntry("c", "3", 3),
    ]);
    await w.log("vision", "diffed", [
      refEntry("a", "1", 1),
      refEntry("b", "2b", 20),
      refEntry("d", "4", 4),
    ]);
    const diff = await w.t.services.artifacts.diff(w.alice, {
      ...P,
      a: "diffed:v0",
      b: "diffed:v1",
    });
    expect(diff.added.map((e) => e.path)).toEqual(["d"]);
    expect(diff.removed.map((e) => [e.path, e.size])).toEqual([["c", 3]]);
    expect(diff.changed).toEqual([
      { path: "b", before: refEntry("b", "2", 2), after: refEntry("b", "2b", 20) },
    ]);
    expect(diff.totals).toEqual({
      added: 1,
      removed: 1,
      changed: 1,
      addedBytes: 4,
      removedBytes: 3,
    });
    expect(diff.truncated).toBe(false);

    const capped = await w.t.services.artifacts.diff(w.alice, {
      ...P,
      a: "diffed:v0",
      b: "diffed:v1",
      limit: 2,
    });
    expect(capped.truncated).toBe(true);
    expect(capped.added.length + capped.removed.length + capped.changed.length).toBe(2);
    expect(capped.totals.added + capped.totals.removed + capped.totals.changed).toBe(3);

    const same = await w.t.services.artifacts.diff(w.alice, {
      ...P,
      a: "diffed:v1",
      b: "diffed:latest",
    });
    expect([same.added, same.removed, same.changed, same.truncated]).toEqual([[], [], [], false]);
  });

  it("agrees with core diffManifests on generated manifests", async () => {
    const make = (seed: number) => {
      const entries: ManifestEntry[] = [];
      for (let i = 0; i < 600; i++) {
        const roll = (i * 7919 + seed * 104729) % 10;
        if (roll < 2) continue;
        entries.push(
          refEntry(
            `f/${String(i).padStart(4, "0")}`,
            `d${roll < 5 ? 0 : seed}-${i}`,
            roll < 8 ? i : i + seed,
          ),
        );
      }
      return entries;
    };
    const [ea, eb] = [make(1), make(2)];
    await w.log("vision", "generated", ea);
    await w.log("vision", "generated", eb);
    const diff = await w.t.services.artifacts.diff(w.alice, {
      ...P,
      a: "generated:v0",
      b: "generated:v1",
    });
    const expected = diffManifests(ea, eb);
    expect(diff.added).toEqual(expected.added);
    expect(diff.removed).toEqual(expected.removed);
    expect(diff.changed).toEqual(expected.changed);
    expect(
      expected.added.length + expected.removed.length + expected.changed.length,
    ).toBeGreaterThan(0);
  });

  it("reports logical versus unique bytes per project and per version", async () => {
    await w.project("store");
    const S = { entity: "alice", project: "store" };
    const big = await w.file("big.bin", "x".repeat(1000));
    const small = await w.file("small.bin", "y".repeat(10));
    const copy = { ...big, path: "copy-of-big.bin" };
    await w.log("store", "s", [big, small]);
    await w.log("store", "s", [big, copy, refEntry("remote", "r", 500)]);
    const project = await w.t.services.artifacts.storage(w.alice, S);
    expect(project).toEqual({
      logicalBytes: 1010 + 2500,
      uniqueBytes: 1010,
      versions: 2,
      files: 5,
      uniqueFiles: 2,
    });
    const v1 = await w.t.services.artifacts.storage(w.alice, { ...S, ref: "s:v1" });
    expect(v1).toEqual({
      logicalBytes: 2500,
      uniqueBytes: 1000,
      versions: 1,
      files: 3,
      uniqueFiles: 1,
    });
    await w.t.services.artifacts.delete(w.alice, { ...S, ref: "s:v0" });
    const after = await w.t.services.artifacts.storage(w.alice, S);
    expect(after).toMatchObject({ logicalBytes: 2500, uniqueBytes: 1000, versions: 1 });
  });

  it("returns the audit log newest first, filtered by artifact", async () => {
    await w.project("audited");
    const A = { entity: "alice", project: "audited" };
    await w.log("audited", "one", [refEntry("1")]);
    await w.log("audited", "one", [refEntry("2")], { aliases: ["best"] });
    await w.log("audited", "two", [refEntry("3")]);
    await w.t.services.artifacts.setAlias(w.alice, { ...A, ref: "one:v0", alias: "best" });
    const all = await w.t.services.artifacts.audit(w.alice, A);
    expect(all[0]).toMatchObject({
      actor: "alice",
      action: "alias.move",
      name: "one",
      alias: "best",
      fromVersion: "v1",
      toVersion: "v0",
    });
    expect(all.map((r) => r.name)).toContain("two");
    const one = await w.t.services.artifacts.audit(w.alice, { ...A, name: "one", limit: 2 });
    expect(one).toHaveLength(2);
    expect(one.every((r) => r.name === "one")).toBe(true);
    expect(Date.parse(one[0]?.at ?? "")).toBeGreaterThanOrEqual(Date.parse(one[1]?.at ?? ""));
  });
}

describe("artifact queries (PGlite)", () => suite("pglite"));
await describeWithServices(["postgres"], "artifact queries (PostgreSQL)", () => suite("postgres"));
