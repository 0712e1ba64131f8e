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
