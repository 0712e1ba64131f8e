import type { ManifestEntry } from "@cairn/core";
import { expectTrpcCode } from "@cairn/vitest-config/expect-code";
import { expect, it } from "vitest";
import { describeOnEngines, uniqueName } from "../accounts/accounts.test-helpers.js";

const ref = (path: string, size: number | null = 1): ManifestEntry => ({
  path,
  digest: `d-${path}`,
  size,
  ref: `s3://b/${path}`,
});

await describeOnEngines("artifacts.folders and artifacts.findFiles", (world) => {
  it("totals every folder over the whole version and finds paths by any part", async () => {
    const owner = await world().newUser("owner");
    const P = { entity: owner.name, project: uniqueName("proj") };
    await owner.caller.projects.create({ entity: P.entity, name: P.project, visibility: "public" });
    const entries = [
      ...Array.from({ length: 30 }, (_, i) => ref(`images/a/img-${i}.png`, 10)),
      ...Array.from({ length: 20 }, (_, i) => ref(`images/b/img-${i}.png`, 5)),
      ref("images/top.png", null),
      ref("README.md", 7),
      ref("odd/100%_done.txt", 3),
    ];
    await owner.caller.artifacts.log({ ...P, name: "ds", type: "dataset", entries });
    const anon = await world().callerFor(null);
    const { folders, truncated } = await anon.artifacts.folders({ ...P, ref: "ds:latest" });
    expect(truncated).toBe(false);
    // Unknown sizes count as 0 bytes; a file counts in every folder above it.
    expect(folders).toEqual([
      { path: "images", files: 51, bytes: 400 },
      { path: "images/a", files: 30, bytes: 300 },
      { path: "images/b", files: 20, bytes: 100 },
      { path: "odd", files: 1, bytes: 3 },
    ]);

    const found = await anon.artifacts.findFiles({ ...P, ref: "ds:v0", query: "IMG-1", limit: 5 });
    expect(found.entries.map((e) => e.path)).toEqual([
      "images/a/img-1.png",
      "images/a/img-10.png",
      "images/a/img-11.png",
      "images/a/img-12.png",
      "images/a/img-13.png",
    ]);
    expect(found.truncated).toBe(true);
    // LIKE wildcards typed by a user match themselves only.
    const literal = await anon.artifacts.findFiles({ ...P, ref: "ds:v0", query: "%_" });
    expect(literal.entries.map((e) => e.path)).toEqual(["odd/100%_done.txt"]);
    expect((await anon.artifacts.findFiles({ ...P, ref: "ds:v0", query: "nope" })).entries).toEqual(
      [],
    );
  });

  it("shows nothing of a private project to another account", async () => {
    const owner = await world().newUser("owner");
    const P = { entity: owner.name, project: uniqueName("secret") };
    await owner.caller.projects.create({ entity: P.entity, name: P.project });
    await owner.caller.artifacts.log({
      ...P,
      name: "ds",
      type: "dataset",
      entries: [ref("private/plan.txt")],
    });
    const stranger = await world().newUser("stranger");
    for (const call of [
      stranger.caller.artifacts.folders({ ...P, ref: "ds:v0" }),
      stranger.caller.artifacts.findFiles({ ...P, ref: "ds:v0", query: "plan" }),
    ]) {
      await expectTrpcCode(call, "NOT_FOUND", "NOT_FOUND");
    }
    await expectTrpcCode(
      stranger.caller.artifacts.findFiles({ ...P, ref: "ds:v0", query: "" }),
      "BAD_REQUEST",
    );
  });
});
