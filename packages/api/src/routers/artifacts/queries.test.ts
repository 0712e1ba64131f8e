import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { ManifestEntry } from "@cairn/core";
import { expectTrpcCode } from "@cairn/vitest-config/expect-code";
import { expect, it } from "vitest";
import {
  describeOnEngines,
  type TestUser,
  uniqueName,
  type World,
} from "../accounts/accounts.test-helpers.js";

const ref = (path: string, digest: string, size = 1): ManifestEntry => ({
  path,
  digest,
  size,
  ref: `s3://b/${path}`,
});

/** A user with a public project `<user>/<name>`. */
async function owner(
  world: World,
): Promise<{ user: TestUser; P: { entity: string; project: string } }> {
  const user = await world.newUser("owner");
  const project = uniqueName("proj");
  await user.caller.projects.create({ entity: user.name, name: project, visibility: "public" });
  return { user, P: { entity: user.name, project } };
}

await describeOnEngines("artifacts read/edit + lineage routers", (world) => {
  it("serves listings, manifest pages, entries, diffs, storage and audit through tRPC", async () => {
    const { user, P } = await owner(world());
    const c = user.caller;
    await c.artifacts.log({
      ...P,
      name: "ds",
      type: "dataset",
      entries: [ref("a", "1"), ref("b", "2")],
    });
    await c.artifacts.log({
      ...P,
      name: "ds",
      type: "dataset",
      entries: [ref("a", "1"), ref("c", "3", 5)],
      aliases: ["best"],
    });
    const anon = await world().callerFor(null);
    expect((await anon.artifacts.listCollections(P)).collections).toMatchObject([
      { name: "ds", versionCount: 2, latest: 1 },
    ]);
    const versions = await anon.artifacts.listVersions({ ...P, name: "ds", limit: 1 });
    expect(versions.versions.map((v) => v.version)).toEqual(["v1"]);
    expect(versions.nextCursor).toBeTypeOf("string");
    const page = await anon.artifacts.manifest({ ...P, ref: "ds:v0", limit: 1 });
    expect(page.entries.map((e) => e.path)).toEqual(["a"]);
    const rest = await anon.artifacts.manifest({
      ...P,
      ref: "ds:v0",
      cursor: page.nextCursor ?? "",
    });
    expect(rest).toEqual({ entries: [ref("b", "2")], nextCursor: null });
    expect(await anon.artifacts.entry({ ...P, ref: "ds:best", path: "c" })).toEqual(
      ref("c", "3", 5),
    );
    await expectTrpcCode(
      anon.artifacts.entry({ ...P, ref: "ds:best", path: "zz" }),
      "NOT_FOUND",
      "NOT_FOUND",
    );
    const diff = await anon.artifacts.diff({ ...P, a: "ds:v0", b: "ds:v1" });
    expect([diff.added.map((e) => e.path), diff.removed.map((e) => e.path), diff.changed]).toEqual([
      ["c"],
      ["b"],
      [],
    ]);
    expect(await anon.artifacts.storage({ ...P, ref: "ds:v1" })).toMatchObject({
      logicalBytes: 6,
      uniqueBytes: 0,
      versions: 1,
    });
    const audit = await anon.artifacts.audit({ ...P, name: "ds" });
    expect(audit[0]).toMatchObject({
      action: "alias.set",
      alias: "best",
      toVersion: "v1",
      actor: user.name,
    });
    await expectTrpcCode(
      anon.artifacts.manifest({ ...P, ref: "ds:v0", limit: 10_001 }),
      "BAD_REQUEST",
    );
  });

  it("edits versions and aliases, maps refusals to tRPC codes, and serves file URLs", async () => {
    const { user, P } = await owner(world());
    const c = user.caller;
    const bytes = Buffer.from("hello bytes");
    const digest = createHash("sha256").update(bytes).digest("hex");
    await world().services.blobs.receiveUpload({
      digest,
      size: bytes.length,
      entityIds: [user.id],
      body: Readable.from([bytes]),
    });
    await c.artifacts.log({
      ...P,
      name: "m",
      type: "model",
      entries: [{ path: "w.bin", digest, size: bytes.length }],
    });
    const urls = await c.artifacts.fileUrls({ ...P, ref: "m:v0", digests: [digest] });
    expect(urls.urls[0]?.url).toContain(`/blobs/${digest}?t=`);
    await expectTrpcCode(
      c.artifacts.fileUrls({ ...P, ref: "m:v0", digests: ["0".repeat(64)] }),
      "NOT_FOUND",
    );

    const updated = await c.artifacts.update({
      ...P,
      ref: "m:v0",
      description: "first",
      aliases: ["latest", "prod"],
    });
    expect(updated).toMatchObject({ description: "first", aliases: ["latest", "prod"] });
    expect((await c.artifacts.setAlias({ ...P, ref: "m:v0", alias: "staging" })).aliases).toContain(
      "staging",
    );
    await expectTrpcCode(
      c.artifacts.setAlias({ ...P, ref: "m:v0", alias: "v7" }),
      "BAD_REQUEST",
      "RESERVED_ALIAS",
    );
    expect(await c.artifacts.removeAlias({ ...P, name: "m", alias: "staging" })).toEqual({
      alias: "staging",
      removedFrom: "v0",
    });
    await expectTrpcCode(
      c.artifacts.delete({ ...P, ref: "m:v0" }),
      "CONFLICT",
      "ALIASES_STILL_ATTACHED",
    );
    expect((await c.artifacts.delete({ ...P, ref: "m:v0", deleteAliases: true })).state).toBe(
      "deleted",
    );
    expect(await c.artifacts.setCollection({ ...P, name: "m", defaultTtl: "30d" })).toMatchObject({
      defaultTtl: "30d",
      versionCount: 0,
    });

    const anon = await world().callerFor(null);
    await expectTrpcCode(
      anon.artifacts.update({ ...P, ref: "m:v0", description: "x" }),
      "UNAUTHORIZED",
    );
    const stranger = await world().newUser("stranger");
    await c.artifacts.log({ ...P, name: "m", type: "model", entries: [ref("x", "x")] });
    expect((await stranger.caller.artifacts.get({ ...P, ref: "m:latest" })).version).toBe("v1");
    await expectTrpcCode(
      stranger.caller.artifacts.setAlias({ ...P, ref: "m:latest", alias: "x" }),
      "FORBIDDEN",
      "FORBIDDEN",
    );
  });

  it("walks lineage through tRPC", async () => {
    const { user, P } = await owner(world());
    const c = user.caller;
    await c.runs.init({ ...P, id: "prep", jobType: "preprocess" });
    await c.artifacts.log({
      ...P,
      name: "raw",
      type: "dataset",
      entries: [ref("r", "r")],
      runId: "prep",
    });
    await c.runs.init({ ...P, id: "train", jobType: "train" });
    await c.artifacts.use({ ...P, ref: "raw:latest", runId: "train" });
    expect(await c.lineage.loggedBy({ ...P, ref: "raw:v0" })).toMatchObject({
      id: "prep",
      jobType: "preprocess",
    });
    expect((await c.lineage.usedBy({ ...P, ref: "raw:v0" })).map((r) => r.id)).toEqual(["train"]);
    expect((await c.lineage.loggedArtifacts({ ...P, runId: "prep" })).map((v) => v.name)).toEqual([
      "raw",
    ]);
    expect((await c.lineage.usedArtifacts({ ...P, runId: "train" })).map((v) => v.name)).toEqual([
      "raw",
    ]);
    const graph = await c.lineage.graph({
      ...P,
      root: { kind: "run", id: "train" },
      collapsed: true,
    });
    expect(graph.nodes.map((n) => n.label)).toEqual(["train", "raw:v0", "prep"]);
    expect(graph.collapsed?.edges).toHaveLength(2);
    await expectTrpcCode(
      c.lineage.graph({ ...P, root: { kind: "run", id: "train" }, depth: 99 }),
      "BAD_REQUEST",
    );
  });
});
