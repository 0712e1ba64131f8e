import { expectCode } from "@cairn/vitest-config/expect-code";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../actor.js";
import { createTestServices, type TestServices } from "../testing/test-services.js";

/**
 * The one-statement resolution behind artifacts.get / manifest / entry (resolveVersionInOneQuery):
 * every selector kind, the digest-prefix ambiguity, and access decided on the current rows (a
 * visibility change applies to the very next read: nothing is cached).
 */
function suite(kind: "pglite" | "postgres") {
  let t: TestServices;
  let alice: Actor;
  let bob: Actor;
  const P = { entity: "alice", project: "resolve" };
  const digests: string[] = [];
  // (An ambiguous digest prefix needs two digests sharing 16+ hex characters: not testable.)

  beforeAll(async () => {
    t = await createTestServices(kind);
    alice = await t.user("alice");
    bob = await t.user("bob");
    await t.project(alice.userId, "resolve");
    for (let i = 0; i < 5; i++) {
      const logged = await t.services.artifacts.log(alice, {
        ...P,
        name: "m",
        type: "model",
        entries: [{ path: `f${i}`, digest: "ab".repeat(32), size: i, ref: `https://x.test/${i}` }],
        ...(i === 3 ? { aliases: ["prod"] } : {}),
      });
      digests.push(logged.version.digest);
    }
  });
  afterAll(() => t?.close());

  it("resolves aliases, version numbers and digest prefixes to the same VersionInfo as listings", async () => {
    const byAlias = await t.services.artifacts.get(alice, { ...P, ref: "m:prod" });
    const byNumber = await t.services.artifacts.get(alice, { ...P, ref: "m:v3" });
    const byDigest = await t.services.artifacts.get(alice, {
      ...P,
      ref: `m:${digests[3]?.slice(0, 16)}`,
    });
    expect(byNumber).toEqual(byAlias);
    expect(byDigest).toEqual(byAlias);
    const listed = await t.services.artifacts.listVersions(alice, { ...P, name: "m", limit: 5 });
    expect(listed.versions.find((v) => v.id === byAlias.id)).toEqual(byAlias);
    expect(byAlias).toMatchObject({ entity: "alice", project: "resolve", version: "v3" });
    expect(byAlias.aliases).toEqual(["prod"]);
    // The qualified form of another project's reference is resolved against that project.
    const qualified = await t.services.artifacts.get(alice, {
      entity: "bob",
      project: "elsewhere",
      ref: "alice/resolve/m:v3",
    });
    expect(qualified.id).toBe(byAlias.id);
  });

  it("names missing artifacts, versions and digests", async () => {
    await expectCode(t.services.artifacts.get(alice, { ...P, ref: "m:v99" }), "NOT_FOUND");
    await expectCode(t.services.artifacts.get(alice, { ...P, ref: "nope:v0" }), "NOT_FOUND");
    const unknown = digests.includes(`${"0".repeat(64)}`) ? "1".repeat(64) : "0".repeat(64);
    const error = await expectCode(
      t.services.artifacts.get(alice, { ...P, ref: `m:${unknown}` }),
      "NOT_FOUND",
    );
    expect(error.message).toContain(`no version has a digest starting with ${unknown}`);
    await expectCode(
      t.services.artifacts.manifest(alice, { ...P, ref: "m:missing-alias" }),
      "NOT_FOUND",
    );
    // A version number past the column's integer range is a missing version, not a server error,
    // on the read path and on the write paths that resolve a selector.
    await expectCode(t.services.artifacts.get(alice, { ...P, ref: "m:v99999999999" }), "NOT_FOUND");
    await expectCode(
      t.services.artifacts.setAlias(alice, { ...P, ref: "m:v99999999999", alias: "big" }),
      "NOT_FOUND",
    );
  });

  it("shares a statement only between identical concurrent reads, each answered as if alone", async () => {
    // Many callers resolving the same alias in one turn share one statement (coalesced-reads.ts):
    // the shared rows carry each caller's own access (the caller is a parameter), and an alias
    // moved before a read is asked is seen by that read even while older identical reads run.
    const burst = (who: Actor | null) =>
      Array.from({ length: 10 }, () => t.services.artifacts.get(who, { ...P, ref: "m:prod" }));
    const [own, outsider, anonymous] = await Promise.all([
      Promise.all(burst(alice)),
      Promise.allSettled(burst(bob)),
      Promise.allSettled(burst(null)),
    ]);
    expect(new Set(own.map((v) => v.version))).toEqual(new Set(["v3"]));
    for (const refused of [...outsider, ...anonymous]) {
      expect(refused.status).toBe("rejected");
      expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: "NOT_FOUND" });
    }
    const inFlight = Promise.all(burst(alice));
    await t.services.artifacts.setAlias(alice, { ...P, ref: "m:v4", alias: "prod" });
    const after = await Promise.all(burst(alice));
    expect(new Set(after.map((v) => v.version))).toEqual(new Set(["v4"]));
    await inFlight;
    await t.services.artifacts.setAlias(alice, { ...P, ref: "m:v3", alias: "prod" });
    expect((await t.services.artifacts.get(alice, { ...P, ref: "m:prod" })).version).toBe("v3");
  });

  it("answers each of a turn's different references and callers as if it were alone", async () => {
    // One statement resolves every reference of the turn (coalesced-reads.ts `turnBatch`).
    const calls: [Actor | null, string][] = [
      [alice, "m:prod"],
      [alice, "m:v1"],
      [bob, "m:v1"],
      [alice, "m:v99"],
      [alice, "nope:v0"],
      [null, "m:v2"],
      [alice, `m:${digests[2]?.slice(0, 16)}`],
      [alice, "m:v1"],
      // Beyond the column's integer range: no such version, and no failure for the others.
      [alice, "m:v99999999999"],
    ];
    const results = await Promise.allSettled(
      calls.map(([who, ref]) => t.services.artifacts.get(who, { ...P, ref })),
    );
    const outcome = results.map((r) =>
      r.status === "fulfilled" ? r.value.version : (r.reason as { code: string }).code,
    );
    expect(outcome).toEqual([
      "v3",
      "v1",
      "NOT_FOUND",
      "NOT_FOUND",
      "NOT_FOUND",
      "NOT_FOUND",
      "v2",
      "v1",
      "NOT_FOUND",
    ]);
  });

  it("applies a visibility change to the very next read", async () => {
    const read = () => t.services.artifacts.get(bob, { ...P, ref: "m:prod" });
    const page = () => t.services.artifacts.manifest(null, { ...P, ref: "m:prod" });
    // Private: a non-member and an anonymous caller cannot tell it from a missing project.
    await expectCode(read(), "NOT_FOUND");
    await expectCode(page(), "NOT_FOUND");
    await t.services.projects.setVisibility(alice, { ...P, visibility: "public" });
    await read();
    await page();
    await t.services.projects.setVisibility(alice, { ...P, visibility: "private" });
    await expectCode(read(), "NOT_FOUND");
    await expectCode(page(), "NOT_FOUND");
  });
}

describe("resolveVersionInOneQuery on PGlite", () => suite("pglite"));
await describeWithServices(["postgres"], "resolveVersionInOneQuery on PostgreSQL", () =>
  suite("postgres"),
);
