import { createHash } from "node:crypto";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../actor.js";
import { createDraftTestbed, type DraftTestbed, expectCode } from "./drafts.test-helpers.js";

const WRITERS = 32;
const FILES_PER_WRITER = 200;

function suite(kind: "pglite" | "postgres") {
  describe("with workers (jobs run in-process)", () => {
    let t: DraftTestbed;
    let alice: Actor;
    let bob: Actor;
    const P = { entity: "alice", project: "main" };

    beforeAll(async () => {
      t = await createDraftTestbed(kind);
      alice = await t.user("alice");
      bob = await t.user("bob");
    });
    afterAll(() => t?.close());

    it(`${WRITERS} concurrent writers × ${FILES_PER_WRITER} files make exactly one version with every entry`, async () => {
      const runIds = Array.from({ length: WRITERS }, (_, w) => `worker-${w}`);
      for (const runId of [...runIds, "chief"]) await t.run(alice, runId);
      const entriesOf = await Promise.all(
        runIds.map((_, w) =>
          t.files(
            alice,
            Array.from({ length: FILES_PER_WRITER }, (_, f) => ({
              path: `shard-${w}/f-${f}.txt`,
              content: `w${w} f${f}`,
            })),
          ),
        ),
      );
      const draftIds = new Set<string>();
      const seqs: number[] = [];
      await Promise.all(
        runIds.map(async (runId, w) => {
          const entries = entriesOf[w] ?? [];
          // Each writer sends its files in two pages, as the client does for big artifacts.
          for (const page of [entries.slice(0, 100), entries.slice(100)]) {
            const accepted = await t.services.drafts.upsert(alice, {
              ...P,
              name: "corpus",
              type: "dataset",
              distributedId: "group-1",
              runId,
              entries: page,
            });
            draftIds.add(accepted.draftId);
            seqs.push(accepted.seq);
          }
        }),
      );
      expect(draftIds.size).toBe(1);
      expect(seqs.sort((a, b) => a - b)).toEqual(
        Array.from({ length: WRITERS * 2 }, (_, i) => i + 1),
      );

      const { draftId } = await t.services.drafts.finish(alice, {
        ...P,
        name: "corpus",
        type: "dataset",
        distributedId: "group-1",
        runId: "chief",
        aliases: ["full"],
        metadata: { writers: WRITERS },
      });
      expect(draftIds.has(draftId)).toBe(true);
      const status = await t.services.drafts.status(alice, { draftId, waitMs: 20_000 });
      expect(status.status).toBe("finished");
      expect(status.pendingUpserts).toBe(0);
      expect(status.version?.fileCount).toBe(WRITERS * FILES_PER_WRITER);
      expect(status.version?.version).toBe("v0");
      expect(status.version?.aliases).toEqual(["full", "latest"]);
      expect(status.version?.metadata).toEqual({ writers: WRITERS });
      expect(status.version?.createdByRunId).toBe("chief");

      const versions = await t.database.db.selectFrom("versions").select("id").execute();
      expect(versions).toHaveLength(1);
      const edges = await t.database.db.selectFrom("run_logged_version").select("run_id").execute();
      expect(edges.map((e) => e.run_id).sort()).toEqual([...runIds, "chief"].sort());
      const manifest = await t.database.db
        .selectFrom("manifest_entries")
        .select(({ fn }) => fn.countAll<number | string>().as("n"))
        .executeTakeFirstOrThrow();
      expect(Number(manifest.n)).toBe(WRITERS * FILES_PER_WRITER);
    }, 90_000);

    it("refuses upserts once finished, naming the version; a second finish returns the same version", async () => {
      const a = await t.file(alice, "a.txt", "a");
      const key = { ...P, name: "small", type: "dataset", distributedId: "d-1" };
      await t.services.drafts.upsert(alice, { ...key, entries: [a] });
      const first = await t.services.drafts.finish(alice, key);
      const done = await t.services.drafts.status(alice, {
        draftId: first.draftId,
        waitMs: 10_000,
      });
      expect(done.status).toBe("finished");
      const error = await expectCode(
        t.services.drafts.upsert(alice, { ...key, entries: [a] }),
        "DRAFT_FINISHED",
      );
      expect(error.message).toContain("finished as v0");
      expect(error.message).toContain("new distributedId");

      const again = await t.services.drafts.finish(alice, { ...key, aliases: ["ignored"] });
      expect(again.draftId).toBe(first.draftId);
      const still = await t.services.drafts.status(alice, { draftId: again.draftId, waitMs: 200 });
      expect(still.version?.id).toBe(done.version?.id);
      expect(still.version?.aliases).toEqual(["latest"]);
      const count = await t.database.db
        .selectFrom("versions")
        .innerJoin("collections", "collections.id", "versions.collection_id")
        .select("versions.id")
        .where("collections.name", "=", "small")
        .execute();
      expect(count).toHaveLength(1);
    });

    it("reports a finish that cannot commit as failed, and accepts a new finish once fixed", async () => {
      // The writer lists a file whose bytes it never uploaded.
      const bytes = "uploaded too late";
      const ghost = {
        path: "ghost.bin",
        digest: createHash("sha256").update(bytes).digest("hex"),
        size: bytes.length,
      };
      const key = { ...P, name: "broken", type: "dataset", distributedId: "d-2" };
      await t.services.drafts.upsert(alice, { ...key, entries: [ghost] });
      const { draftId } = await t.services.drafts.finish(alice, key);
      const failed = await t.services.drafts.status(alice, { draftId, waitMs: 10_000 });
      expect(failed.status).toBe("failed");
      expect(failed.errorCode).toBe("INVALID_MANIFEST");
      expect(failed.error).toContain("ghost.bin");
      expect(failed.error).toContain("upload");
      const closed = await expectCode(
        t.services.drafts.upsert(alice, { ...key, entries: [] }),
        "DRAFT_FINISHED",
      );
      expect(closed.message).toContain("failed");

      await t.file(alice, "ghost.bin", bytes);
      await t.services.drafts.finish(alice, key);
      const fixed = await t.services.drafts.status(alice, { draftId, waitMs: 10_000 });
      expect(fixed.status).toBe("finished");
      expect(fixed.error).toBeUndefined();
    });

    it("refuses a name held by another type, empty finishes, bad entries and outsiders", async () => {
      const a = await t.file(alice, "x.txt", "x");
      await t.services.artifacts.log(alice, { ...P, name: "typed", type: "dataset", entries: [a] });
      await expectCode(
        t.services.drafts.upsert(alice, {
          ...P,
          name: "typed",
          type: "model",
          distributedId: "g",
          entries: [a],
        }),
        "NAME_TAKEN_BY_OTHER_TYPE",
      );
      await expectCode(
        t.services.drafts.finish(alice, {
          ...P,
          name: "nothing",
          type: "model",
          distributedId: "g",
        }),
        "DRAFT_EMPTY",
      );
      await expectCode(
        t.services.drafts.upsert(alice, {
          ...P,
          name: "m",
          type: "model",
          distributedId: "g",
          entries: [a, a],
        }),
        "DUPLICATE_PATH",
      );
      await expectCode(
        t.services.drafts.upsert(alice, {
          ...P,
          name: "m",
          type: "model",
          distributedId: "g",
          entries: [{ ...a, path: "../x" }],
        }),
        "INVALID_PATH",
      );
      await expectCode(
        t.services.drafts.upsert(alice, {
          ...P,
          name: "m",
          type: "model",
          distributedId: "g",
          runId: "nope",
          entries: [a],
        }),
        "NOT_FOUND",
      );
      await expectCode(
        t.services.drafts.upsert(bob, {
          ...P,
          name: "m",
          type: "model",
          distributedId: "g",
          entries: [a],
        }),
        "NOT_FOUND",
      );
      const own = await t.services.drafts.upsert(alice, {
        ...P,
        name: "m",
        type: "model",
        distributedId: "g",
        entries: [a],
      });
      await expectCode(t.services.drafts.status(bob, { draftId: own.draftId }), "NOT_FOUND");
      await expectCode(t.services.drafts.status(alice, { draftId: "no-such-draft" }), "NOT_FOUND");
    });
  });

  describe("without workers (processors run by the test, in any order)", () => {
    let t: DraftTestbed;
    let alice: Actor;
    const P = { entity: "alice", project: "main" };

    beforeAll(async () => {
      t = await createDraftTestbed(kind, { workers: false });
      alice = await t.user("alice");
    });
    afterAll(() => t?.close());

    it("resolves overlapping paths by acceptance order, whatever order the merges run in", async () => {
      const key = { ...P, name: "overlap", type: "dataset", distributedId: "o" };
      const first = await t.services.drafts.upsert(alice, {
        ...key,
        entries: [await t.file(alice, "p.txt", "first")],
      });
      const second = await t.services.drafts.upsert(alice, {
        ...key,
        entries: [await t.file(alice, "p.txt", "second"), await t.file(alice, "q.txt", "q")],
      });
      expect([first.seq, second.seq]).toEqual([1, 2]);
      // Later acceptance first, then the earlier one, then a replay: the later one must win.
      expect(await t.services.drafts.applyUpsert(second)).toEqual({ applied: true });
      expect(await t.services.drafts.applyUpsert(first)).toEqual({ applied: true });
      expect(await t.services.drafts.applyUpsert(second)).toEqual({ applied: false });
      const rows = await t.database.db
        .selectFrom("draft_entries")
        .select(["path", "seq"])
        .where("draft_id", "=", first.draftId)
        .orderBy("path")
        .execute();
      expect(rows.map((r) => [r.path, Number(r.seq)])).toEqual([
        ["p.txt", 2],
        ["q.txt", 2],
      ]);
      await t.services.drafts.finish(alice, key);
      await t.services.drafts.commit({ draftId: first.draftId });
      const version = await t.services.artifacts.get(alice, { ...P, ref: "overlap:latest" });
      const expected = await t.file(alice, "p.txt", "second");
      const entry = await t.database.db
        .selectFrom("manifest_entries")
        .innerJoin("versions", "versions.manifest_id", "manifest_entries.manifest_id")
        .select("manifest_entries.digest")
        .where("versions.id", "=", version.id)
        .where("manifest_entries.path", "=", "p.txt")
        .executeTakeFirstOrThrow();
      expect(entry.digest).toBe(expected.digest);
    });

    it("finish applies every pending upsert itself, and closes the draft while finishing", async () => {
      const key = { ...P, name: "pending", type: "dataset", distributedId: "p" };
      let draftId = "";
      for (let i = 0; i < 3; i++) {
        ({ draftId } = await t.services.drafts.upsert(alice, {
          ...key,
          entries: [await t.file(alice, `f${i}`, `c${i}`)],
        }));
      }
      const before = await t.services.drafts.status(alice, { draftId, waitMs: 50 });
      expect(before).toMatchObject({ status: "open", pendingUpserts: 3 });
      await t.services.drafts.finish(alice, key);
      const finishing = await expectCode(
        t.services.drafts.upsert(alice, { ...key, entries: [] }),
        "DRAFT_FINISHED",
      );
      expect(finishing.message).toContain("finishing");
      expect((await t.services.drafts.status(alice, { draftId })).status).toBe("finishing");

      const result = await t.services.drafts.commit({ draftId });
      expect(result).toMatchObject({ status: "finished", appliedUpserts: 3 });
      const after = await t.services.drafts.status(alice, { draftId });
      expect(after).toMatchObject({ status: "finished", pendingUpserts: 0 });
      expect(after.version?.fileCount).toBe(3);
      // The queued merge jobs arriving late change nothing; a replayed finish job neither.
      expect(await t.services.drafts.applyUpsert({ draftId, seq: 2 })).toEqual({ applied: false });
      expect(await t.services.drafts.commit({ draftId })).toMatchObject({
        status: "finished",
        versionId: after.version?.id,
      });
      expect(await t.jobs.counts("upsert")).toMatchObject({ waiting: 2 + 3 }); // this suite's 2 + 3 upserts;
    });
  });
}

describe("drafts service on PGlite", () => suite("pglite"));
await describeWithServices(["postgres"], "drafts service on PostgreSQL", () => suite("postgres"));
