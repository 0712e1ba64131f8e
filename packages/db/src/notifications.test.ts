import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import { sql } from "kysely";
import { expect, it } from "vitest";
import { describeEngines } from "./engines.test-helpers.js";
import { type CairnDatabase, createDatabase, createTestDatabase, notify } from "./index.js";

/** Resolves with the next `count` payloads a handler gets, or rejects after `ms`. */
function collect(count: number, ms = 5_000) {
  const got: Array<string | null> = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`got ${JSON.stringify(got)}, wanted ${count} within ${ms} ms`)),
      ms,
    );
    done = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return {
    got,
    finished,
    handler: (payload: string | null) => {
      got.push(payload);
      if (got.length >= count) done();
    },
  };
}

await describeEngines("notifications", (database) => {
  it("delivers a NOTIFY sent in a transaction at commit, and nothing on rollback", async () => {
    const { db, notifications } = database();
    const seen = collect(1);
    const stop = await notifications.listen("draft", seen.handler);
    try {
      await db
        .transaction()
        .execute(async (trx) => {
          await notify(trx, "draft", "rolled-back");
          throw new Error("roll back");
        })
        .catch(() => {});
      await db.transaction().execute(async (trx) => {
        await notify(trx, "draft", "d-1");
        // Not before the commit: a waiter woken now would read the old state.
        await sql`select 1`.execute(trx);
        expect(seen.got).toEqual([]);
      });
      await seen.finished;
      expect(seen.got).toEqual(["d-1"]);
    } finally {
      stop();
    }
  });

  it("keeps topics apart and stops calling a handler once it unsubscribed", async () => {
    const { db, notifications } = database();
    const drafts = collect(2);
    const outbox = collect(1);
    const stopDrafts = await notifications.listen("draft", drafts.handler);
    const stopOutbox = await notifications.listen("outbox", outbox.handler);
    await notify(db, "outbox", "o-1");
    await outbox.finished;
    stopOutbox();
    await notify(db, "outbox", "o-2");
    await notify(db, "draft", "d-2");
    await notify(db, "draft", "d-3");
    await drafts.finished;
    stopDrafts();
    expect(drafts.got).toEqual(["d-2", "d-3"]);
    expect(outbox.got).toEqual(["o-1"]);
  });
});

await describeWithServices(["postgres"], "notifications across PostgreSQL connections", () => {
  it("wakes a listener in another process's connection, never one of another schema, and recovers from a dropped connection", async () => {
    const url = serviceUrl("postgres");
    const test = await createTestDatabase("postgres", { url, poolSize: 2 });
    const other = await createTestDatabase("postgres", { url, poolSize: 2 });
    let sender: CairnDatabase | undefined;
    try {
      // A second handle on the same schema stands for another server or worker process.
      sender = await createDatabase({ url, schema: test.schema, poolSize: 2 });
      const mine = collect(1);
      const foreign = collect(1);
      await test.notifications.listen("draft", mine.handler);
      await other.notifications.listen("draft", foreign.handler);
      const sent = Date.now();
      await sender.db.transaction().execute((trx) => notify(trx, "draft", "d-x"));
      await mine.finished;
      expect(Date.now() - sent).toBeLessThan(1_000);
      expect(mine.got).toEqual(["d-x"]);

      // Kill the listening connection: the handler hears `null` once it is back, then new ones.
      const after = collect(2, 15_000);
      await test.notifications.listen("draft", after.handler);
      // Its last statement is the LISTEN of this schema's channel (other tests listen too).
      const killed = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where application_name = 'cairn-listen'
          and query = 'LISTEN "cairn_' || left(md5(current_schema()), 16) || '_draft"'`.execute(
        sender.db,
      );
      expect(killed.rows[0]?.n).toBe(1);
      await waitFor(() => after.got.includes(null), 15_000);
      await sender.db.transaction().execute((trx) => notify(trx, "draft", "d-y"));
      await after.finished;
      expect(after.got).toEqual([null, "d-y"]);
      // The other schema heard none of it.
      expect(foreign.got).toEqual([]);
    } finally {
      await sender?.close();
      await test.cleanup();
      await other.cleanup();
    }
  });
});

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
