import { createHash } from "node:crypto";
import { computeVersionDigest, type ManifestEntry, sortEntries } from "@cairn/core";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../actor.js";
import { nodeSha256 } from "../node-hasher.js";
import { createDraftTestbed, type DraftTestbed } from "./drafts.test-helpers.js";

/** More entries than one read page of the commit (10,000), so the commit crosses page ends. */
const COUNT = 23_456;
const PAGE = 10_000;

function reference(i: number, generation: number): ManifestEntry {
  const path = `shard-${i % 7}/part-${String(i).padStart(6, "0")}.bin`;
  return {
    path,
    digest: createHash("md5").update(`${path}@${generation}`).digest("hex"),
    size: 100 + generation,
    ref: `https://data.example.com/${generation}/${path}`,
  };
}

function suite(kind: "pglite" | "postgres") {
  let t: DraftTestbed;
  let alice: Actor;
  const P = { entity: "alice", project: "main", name: "big", type: "dataset" };

  beforeAll(async () => {
    t = await createDraftTestbed(kind, { workers: false });
    alice = await t.user("alice");
  });
  afterAll(() => t?.close());

  async function commitDraft(distributedId: string, pages: ManifestEntry[][]) {
    let draftId = "";
    for (const entries of pages) {
      draftId = (await t.services.drafts.upsert(alice, { ...P, distributedId, entries })).draftId;
    }
    // Merge jobs in reverse acceptance order: the merge rule, not arrival, decides.
    for (let seq = pages.length; seq >= 1; seq--)
      await t.services.drafts.applyUpsert({ draftId, seq });
    await t.services.drafts.finish(alice, { ...P, distributedId });
    await t.services.drafts.commit({ draftId });
    const status = await t.services.drafts.status(alice, { draftId });
    expect(status.status).toBe("finished");
    return status.version!;
  }

  it("commits a draft larger than one read page with the digest of its merged, sorted entries", async () => {
    const firstGeneration = Array.from({ length: COUNT }, (_, i) => reference(i, 0));
    // Pages in scrambled path order; a last page replaces every 10th path with new contents.
    const scrambled = [...firstGeneration].reverse();
    const pages: ManifestEntry[][] = [];
    for (let i = 0; i < scrambled.length; i += PAGE) pages.push(scrambled.slice(i, i + PAGE));
    const replaced = Array.from({ length: Math.ceil(COUNT / 10) }, (_, k) => reference(k * 10, 1));
    pages.push(replaced);

    const expected = firstGeneration.map((e, i) => (i % 10 === 0 ? reference(i, 1) : e));
    const version = await commitDraft("large-1", pages);
    expect(version.fileCount).toBe(COUNT);
    expect(version.digest).toBe(computeVersionDigest(sortEntries(expected), nodeSha256));
    expect(version.size).toBe(expected.reduce((sum, e) => sum + (e.size ?? 0), 0));

    // The same contents through another draft resolve to the same version (dedup by digest).
    const again = await commitDraft("large-2", [sortEntries(expected)]);
    expect(again.id).toBe(version.id);
    const versions = await t.database.db.selectFrom("versions").select("id").execute();
    expect(versions).toHaveLength(1);
  }, 120_000);
}

describe("large draft commit on PGlite", () => suite("pglite"));
await describeWithServices(["postgres"], "large draft commit on PostgreSQL", () =>
  suite("postgres"),
);
