import { randomBytes } from "node:crypto";
import { type CairnDatabase, createDatabase } from "@cairn/db";
import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import type { KyselyPlugin } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../actor.js";
import { createServices, type Services } from "../create-services.js";
import { createDraftTestbed, type DraftTestbed } from "./drafts.test-helpers.js";
import { FALLBACK_POLL_MS } from "./status.js";

const WAITERS = 40;

/** Counts every statement sent through the Kysely instance it is plugged into. */
function queryCounter(): KyselyPlugin & { count: number } {
  return {
    count: 0,
    transformQuery(args) {
      this.count++;
      return args.node;
    },
    transformResult: (args) => Promise.resolve(args.result),
  };
}

function suite(kind: "pglite" | "postgres") {
  describe.each([
    { notifications: true, label: "woken by notifications" },
    { notifications: false, label: "polling (CAIRN_DATABASE_LISTEN=false)" },
  ])("draftStatus waiters, $label", ({ notifications }) => {
    let t: DraftTestbed;
    let alice: Actor;
    let counted: Services;
    let counter: ReturnType<typeof queryCounter>;
    const P = { entity: "alice", project: "main" };

    beforeAll(async () => {
      // Jobs stay queued: the test commits each draft itself, when it chooses.
      t = await createDraftTestbed(kind, { workers: false, notifications });
      alice = await t.user("alice");
      counter = queryCounter();
      counted = createServices({
        ...t.services.deps,
        db: t.database.db.withPlugin(counter),
      });
    });
    afterAll(() => t?.close());

    async function finishingDraft(name: string): Promise<string> {
      const key = { ...P, name, type: "dataset", distributedId: name };
      await t.services.drafts.upsert(alice, { ...key, entries: [await t.file(alice, "a", name)] });
      const { draftId } = await t.services.drafts.finish(alice, key);
      return draftId;
    }

    it(`${WAITERS} waiting writers cost no queries while nothing happens, and all wake at the commit`, async () => {
      const draftId = await finishingDraft("quiet");
      const waiting = Array.from({ length: WAITERS }, () =>
        counted.drafts.status(alice, { draftId, waitMs: 20_000 }),
      );
      // Until every waiter got through authentication and its first read (slow on a busy
      // machine); polling waiters never fall quiet, so they get a fixed head start.
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (let before = -1; notifications && counter.count !== before; ) {
        before = counter.count;
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      counter.count = 0;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const idle = counter.count;
      const committed = Date.now();
      await t.services.drafts.commit({ draftId });
      const answers = await Promise.all(waiting);
      const wokeAfter = Date.now() - committed;
      expect(answers.every((a) => a.status === "finished" && a.version?.version === "v0")).toBe(
        true,
      );
      if (notifications) {
        // Nothing per waiter; at most the process's one fallback check, if a tick fell in the window.
        expect(idle).toBeLessThanOrEqual(1);
        expect(wokeAfter).toBeLessThan(FALLBACK_POLL_MS / 2);
      } else {
        // Every waiter polls (at most every 500 ms): the load the notifications remove.
        expect(idle).toBeGreaterThanOrEqual(WAITERS * 2);
      }
    });

    it.runIf(notifications)(
      "the fallback checks of all waiters are one statement per tick, and catch a lost notification",
      async () => {
        const drafts: string[] = [];
        for (let i = 0; i < 8; i++) drafts.push(await finishingDraft(`tick-${i}`));
        const waiting = drafts.flatMap((draftId) =>
          Array.from({ length: 5 }, () =>
            counted.drafts.status(alice, { draftId, waitMs: 30_000 }),
          ),
        );
        for (let before = -1; counter.count !== before; ) {
          before = counter.count;
          await new Promise((resolve) => setTimeout(resolve, 400));
        }
        counter.count = 0;
        // At least one fallback tick: 40 waiters on 8 drafts, checked in one statement per tick
        // (two per waiter, 80 a tick, before the checks were batched).
        await new Promise((resolve) => setTimeout(resolve, FALLBACK_POLL_MS + 1_000));
        expect(counter.count).toBeGreaterThanOrEqual(1);
        expect(counter.count).toBeLessThanOrEqual(2);
        // A draft settled with no notification (as if the listen connection had dropped it) is
        // found by the next tick; its waiters answer, the others keep waiting.
        const [lost, ...rest] = drafts as [string, ...string[]];
        await t.database.db
          .updateTable("drafts")
          .set({ status: "failed", failure_message: "lost notification" })
          .where("id", "=", lost)
          .execute();
        const settledAt = Date.now();
        const lostAnswers = await Promise.all(waiting.slice(0, 5));
        expect(lostAnswers.every((a) => a.status === "failed")).toBe(true);
        expect(Date.now() - settledAt).toBeLessThan(FALLBACK_POLL_MS + 2_000);
        for (const draftId of rest) await t.services.drafts.commit({ draftId });
        const answers = await Promise.all(waiting.slice(5));
        expect(answers.every((a) => a.status === "finished")).toBe(true);
      },
      30_000,
    );

    it("a failed finish wakes its waiter with the reason", async () => {
      const draftId = await finishingDraft("doomed");
      const waiting = counted.drafts.status(alice, { draftId, waitMs: 20_000 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Files the entity no longer owns make the commit fail for good.
      await t.database.db.deleteFrom("blob_owners").where("entity_id", "=", alice.userId).execute();
      const started = Date.now();
      await t.services.drafts.commit({ draftId }, { lastAttempt: true }).catch(() => {});
      const answer = await waiting;
      expect(answer.status).toBe("failed");
      expect(answer.error).toBeTruthy();
      expect(Date.now() - started).toBeLessThan(notifications ? FALLBACK_POLL_MS / 2 : 2_000);
    });
  });
}

describe("draftStatus on PGlite", () => suite("pglite"));
await describeWithServices(["postgres"], "draftStatus on PostgreSQL", () => {
  suite("postgres");

  describe("a commit by another process", () => {
    let t: DraftTestbed;
    let other: CairnDatabase;
    let alice: Actor;

    beforeAll(async () => {
      t = await createDraftTestbed("postgres", { workers: false });
      alice = await t.user("alice");
      // Its own pool and listen connection on the same schema: a worker process, as far as
      // PostgreSQL can tell.
      const schema = t.database.schema;
      other = await createDatabase({
        url: serviceUrl("postgres"),
        ...(schema === undefined ? {} : { schema }),
        poolSize: 2,
      });
    });
    afterAll(async () => {
      await other?.close();
      await t?.close();
    });

    it("wakes the waiter promptly", async () => {
      const key = { entity: "alice", project: "main", name: "remote", type: "dataset" };
      await t.services.drafts.upsert(alice, {
        ...key,
        distributedId: "r",
        entries: [await t.file(alice, "a", "remote")],
      });
      const { draftId } = await t.services.drafts.finish(alice, { ...key, distributedId: "r" });
      const waiting = t.services.drafts.status(alice, { draftId, waitMs: 20_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const worker = createServices({
        ...t.services.deps,
        db: other.db,
        signingSecret: randomBytes(32),
      });
      const committed = Date.now();
      await worker.drafts.commit({ draftId });
      const answer = await waiting;
      expect(answer.status).toBe("finished");
      expect(Date.now() - committed).toBeLessThan(FALLBACK_POLL_MS / 2);
    });
  });
});
