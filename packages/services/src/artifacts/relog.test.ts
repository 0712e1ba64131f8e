import { computeVersionDigest, isCairnError, type ManifestEntry } from "@cairn/core";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../actor.js";
import { nodeSha256 } from "../node-hasher.js";
import { createTestServices, type TestServices } from "../testing/test-services.js";

function suite(kind: "pglite" | "postgres") {
  let t: TestServices;
  let alice: Actor;
  let bob: Actor;
  const P = { entity: "alice", project: "relog" };

  async function file(path: string, content: string): Promise<ManifestEntry> {
    const { digest, size } = await t.upload(alice.userId, content);
    return { path, digest, size };
  }

  beforeAll(async () => {
    t = await createTestServices(kind);
    alice = await t.user("alice");
    bob = await t.user("bob");
    await t.project(alice.userId, "relog");
  });
  afterAll(() => t?.close());

  it("misses for an artifact that does not exist yet", async () => {
    const digest = computeVersionDigest([await file("a.txt", "a")], nodeSha256);
    const result = await t.services.artifacts.relog(alice, {
      ...P,
      name: "fresh",
      type: "dataset",
      digest,
    });
    expect(result.version).toBeNull();
  });

  it("hits an identical committed version: moves latest and aliases back, records the run", async () => {
    const a = await file("a.txt", "one");
    const b = await file("b.txt", "two");
    const v0 = await t.services.artifacts.log(alice, {
      ...P,
      name: "ds",
      type: "dataset",
      entries: [a],
    });
    const v1 = await t.services.artifacts.log(alice, {
      ...P,
      name: "ds",
      type: "dataset",
      entries: [a, b],
    });
    expect(v1.version.aliases).toContain("latest");
    await t.services.runs.init(alice, { ...P, id: "r1", jobType: "train" });

    const digest = computeVersionDigest([a], nodeSha256);
    expect(digest).toBe(v0.version.digest);
    const hit = await t.services.artifacts.relog(alice, {
      ...P,
      name: "ds",
      type: "dataset",
      digest,
      aliases: ["best"],
      runId: "r1",
    });
    expect(hit.version?.id).toBe(v0.version.id);
    expect(hit.version?.aliases.sort()).toEqual(["best", "latest"]);
    if (hit.version) expect(hit).toMatchObject({ created: false });
    const latest = await t.services.artifacts.get(alice, { ...P, ref: "ds:latest" });
    expect(latest.id).toBe(v0.version.id);
    const logged = await t.services.lineage.loggedArtifacts(alice, { ...P, runId: "r1" });
    expect(logged.map((v) => v.id)).toEqual([v0.version.id]);
    // No new version was made.
    const v2 = await t.services.artifacts.relog(alice, {
      ...P,
      name: "ds",
      type: "dataset",
      digest: computeVersionDigest([b], nodeSha256),
    });
    expect(v2.version).toBeNull();
  });

  it("refuses another type, and needs write access", async () => {
    const a = await file("x.txt", "typed");
    const logged = await t.services.artifacts.log(alice, {
      ...P,
      name: "typed",
      type: "model",
      entries: [a],
    });
    const input = { ...P, name: "typed", type: "dataset", digest: logged.version.digest };
    await expect(t.services.artifacts.relog(alice, input)).rejects.toSatisfy((e) =>
      isCairnError(e, "NAME_TAKEN_BY_OTHER_TYPE"),
    );
    const asBob = t.services.artifacts.relog(bob, { ...input, type: "model" });
    await expect(asBob).rejects.toSatisfy((e) => isCairnError(e, "NOT_FOUND"));
  });

  it("misses for an unknown run, so the full path reports it", async () => {
    const a = await file("y.txt", "run");
    const logged = await t.services.artifacts.log(alice, {
      ...P,
      name: "runless",
      type: "dataset",
      entries: [a],
    });
    const result = await t.services.artifacts.relog(alice, {
      ...P,
      name: "runless",
      type: "dataset",
      digest: logged.version.digest,
      runId: "no-such-run",
    });
    expect(result.version).toBeNull();
  });
}

describe("artifacts.relog (pglite)", () => suite("pglite"));
await describeWithServices(["postgres"], "artifacts.relog (postgres)", () => suite("postgres"));
