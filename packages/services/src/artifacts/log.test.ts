import type { ManifestEntry } from "@cairn/core";
import { expectCode } from "@cairn/vitest-config/expect-code";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../actor.js";
import { createTestServices, type TestServices } from "../testing/test-services.js";

function suite(kind: "pglite" | "postgres") {
  let t: TestServices;
  let alice: Actor;
  let bob: Actor;
  const P = { entity: "alice", project: "vision" };

  async function file(path: string, content: string): Promise<ManifestEntry> {
    const { digest, size } = await t.upload(alice.userId, content);
    return { path, digest, size };
  }

  beforeAll(async () => {
    t = await createTestServices(kind);
    alice = await t.user("alice");
    bob = await t.user("bob");
    await t.project(alice.userId, "vision");
  });
  afterAll(() => t?.close());

  it("makes v0, then returns the same version for identical contents, then v1 for new contents", async () => {
    const a = await file("data.txt", "one");
    const first = await t.services.artifacts.log(alice, {
      ...P,
      name: "ds",
      type: "dataset",
      entries: [a],
    });
    expect(first.created).toBe(true);
    expect(first.version.version).toBe("v0");
    expect(first.version.aliases).toEqual(["latest"]);
    expect(first.version.fileCount).toBe(1);
    expect(first.version.size).toBe(3);

    const again = await t.services.artifacts.log(alice, {
      ...P,
      name: "ds",
      type: "dataset",
      entries: [a],
      aliases: ["best"],
      metadata: { ignored: true },
    });
    expect(again.created).toBe(false);
    expect(again.version.id).toBe(first.version.id);
    expect(again.version.aliases).toEqual(["best", "latest"]);
    expect(again.version.digest).toBe(first.version.digest);

    const b = await file("data.txt", "two");
    const second = await t.services.artifacts.log(alice, {
      ...P,
      name: "ds",
      type: "dataset",
      entries: [b],
    });
    expect(second.created).toBe(true);
    expect(second.version.version).toBe("v1");
    expect(second.version.aliases).toEqual(["latest"]);
    const v0 = await t.services.artifacts.get(alice, { ...P, ref: "ds:v0" });
    expect(v0.aliases).toEqual(["best"]);
  });

  it("moves latest back when identical contents resolve to an older version", async () => {
    const a = await file("data.txt", "one");
    const back = await t.services.artifacts.log(alice, {
      ...P,
      name: "ds",
      type: "dataset",
      entries: [a],
    });
    expect(back.created).toBe(false);
    expect(back.version.version).toBe("v0");
    expect((await t.services.artifacts.get(alice, { ...P, ref: "ds:latest" })).version).toBe("v0");
    expect((await t.services.artifacts.get(alice, { ...P, ref: "ds" })).version).toBe("v0");
  });

  it("resolves every reference form", async () => {
    const v1 = await t.services.artifacts.get(alice, { ...P, ref: "ds:v1" });
    for (const ref of [
      "ds:v1",
      `ds:${v1.digest}`,
      `ds:${v1.digest.slice(0, 16)}`,
      "vision/ds:v1",
      "alice/vision/ds:v1",
    ]) {
      expect((await t.services.artifacts.get(alice, { ...P, ref })).id).toBe(v1.id);
    }
    await expectCode(t.services.artifacts.get(alice, { ...P, ref: "ds:v9" }), "NOT_FOUND");
    await expectCode(t.services.artifacts.get(alice, { ...P, ref: "nope:latest" }), "NOT_FOUND");
    await expectCode(
      t.services.artifacts.get(alice, { ...P, ref: "a/b/c/d" }),
      "INVALID_REFERENCE",
    );
  });

  it("refuses a name held by another type, reserved aliases and bad paths, storing nothing", async () => {
    const a = await file("x.bin", "x");
    await expectCode(
      t.services.artifacts.log(alice, { ...P, name: "ds", type: "model", entries: [a] }),
      "NAME_TAKEN_BY_OTHER_TYPE",
    );
    await expectCode(
      t.services.artifacts.log(alice, {
        ...P,
        name: "m",
        type: "model",
        entries: [a],
        aliases: ["v3"],
      }),
      "RESERVED_ALIAS",
    );
    await expectCode(
      t.services.artifacts.log(alice, {
        ...P,
        name: "m",
        type: "model",
        entries: [{ ...a, path: "../etc/passwd" }],
      }),
      "INVALID_PATH",
    );
    await expectCode(
      t.services.artifacts.log(alice, { ...P, name: "bad/name", type: "model", entries: [a] }),
      "INVALID_NAME",
    );
    await expectCode(t.services.artifacts.get(alice, { ...P, ref: "m:latest" }), "NOT_FOUND");
  });

  it("refuses to commit blobs the entity never uploaded (no dedup oracle)", async () => {
    const { digest, size } = await t.upload(bob.userId, "bob's secret bytes");
    await expectCode(
      t.services.artifacts.log(alice, {
        ...P,
        name: "steal",
        type: "dataset",
        entries: [{ path: "s", digest, size }],
      }),
      "INVALID_MANIFEST",
    );
    const missing = await t.services.blobs.missing(alice, { ...P, blobs: [{ digest, size }] });
    expect(missing.missing.map((m) => m.digest)).toEqual([digest]);
  });

  it("reports as missing only what the entity does not own", async () => {
    const { digest, size } = await t.upload(alice.userId, "owned by alice");
    const other = { digest: "a".repeat(64), size: 5 };
    const result = await t.services.blobs.missing(alice, {
      ...P,
      blobs: [{ digest, size }, other],
    });
    expect(result.missing.map((m) => m.digest)).toEqual([other.digest]);
    expect(result.missing[0]?.upload.kind).toBe("put");
  });

  it("keeps references without uploading anything", async () => {
    const ref: ManifestEntry = {
      path: "raw/cat.png",
      digest: "etag-123",
      size: 10,
      ref: "s3://bucket/raw/cat.png",
      extra: { etag: "etag-123", versionID: "v-1" },
    };
    const logged = await t.services.artifacts.log(alice, {
      ...P,
      name: "refs",
      type: "dataset",
      entries: [ref],
    });
    expect(logged.created).toBe(true);
  });

  it("hides private projects from outsiders and lets members' writes through", async () => {
    await expectCode(t.services.artifacts.get(bob, { ...P, ref: "ds:latest" }), "NOT_FOUND");
    await expectCode(t.services.artifacts.get(null, { ...P, ref: "ds:latest" }), "NOT_FOUND");
    await expectCode(
      t.services.artifacts.log(bob, { ...P, name: "x", type: "dataset", entries: [] }),
      "NOT_FOUND",
    );
  });

  it("numbers 20 concurrent commits of distinct contents without gaps, and identical ones once", async () => {
    const entries = await Promise.all(
      Array.from({ length: 20 }, (_, i) => file("f.txt", `concurrent ${i}`)),
    );
    const results = await Promise.all(
      entries.map((entry) =>
        t.services.artifacts.log(alice, { ...P, name: "race", type: "dataset", entries: [entry] }),
      ),
    );
    const numbers = results.map((r) => r.version.number).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(results.every((r) => r.created)).toBe(true);

    const same = await file("same.txt", "identical");
    const twins = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.services.artifacts.log(alice, { ...P, name: "twins", type: "dataset", entries: [same] }),
      ),
    );
    expect(new Set(twins.map((r) => r.version.id)).size).toBe(1);
    expect(twins.filter((r) => r.created)).toHaveLength(1);
  });
}

describe("artifact log (PGlite)", () => suite("pglite"));
await describeWithServices(["postgres"], "artifact log (PostgreSQL)", () => suite("postgres"));
