import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../actor.js";
import { createDraftTestbed, type DraftTestbed } from "../drafts/drafts.test-helpers.js";
import { dispatchDueDeliveries } from "./dispatcher.js";

const DAY = 86_400_000;

function suite(kind: "pglite" | "postgres") {
  let t: DraftTestbed;
  let alice: Actor;
  let clock = new Date();
  let receiver: Server;
  let base = "";
  /** The `/flaky` receiver answers 503 until this is set. */
  let flakyUp = false;
  const P = { entity: "alice", project: "main" };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.statusCode = req.url === "/flaky" && !flakyUp ? 503 : 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    t = await createDraftTestbed(kind, {
      now: () => clock,
      webhooks: {
        policy: { allowedNetworks: ["127.0.0.1/32"] },
        maxAttempts: 1,
        backoffMs: 10,
      },
    });
    alice = await t.user("alice");
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const log = async (name: string) =>
    t.services.artifacts.log(alice, {
      ...P,
      name,
      type: "dataset",
      entries: [await t.file(alice, `${name}.txt`, `bytes of ${name}`)],
    });
  /** Queues and runs every due delivery until none is pending. */
  const deliverAll = async () => {
    for (let i = 0; i < 200; i++) {
      const pending = await t.database.db
        .selectFrom("webhook_deliveries")
        .select("id")
        .where("status", "=", "pending")
        .execute();
      if (pending.length === 0) return;
      await dispatchDueDeliveries(t.services.deps);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("deliveries still pending");
  };
  const eventNames = async () =>
    (await t.services.hooks.events(alice, { ...P, after: 0 })).events.map(
      (e) => `${e.data.name}:${e.type}`,
    );

  it("keeps young and undelivered events, prunes the rest with their log, and records the horizon", async () => {
    clock = new Date();
    const all = await t.services.hooks.create(alice, { ...P, url: `${base}/ok` });
    const flaky = await t.services.hooks.create(alice, {
      ...P,
      url: `${base}/flaky`,
      namePattern: "kept*",
      kinds: ["version.created"],
    });
    await log("old"); // version.created + alias.moved (latest), delivered to `all`
    await log("kept"); // also matched by `flaky`, which fails it (1 attempt)
    await deliverAll();
    const failed = await t.services.hooks.deliveries(alice, { id: flaky.id });
    expect(failed.deliveries.map((d) => d.status)).toEqual(["failed"]);
    await log("waiting"); // its deliveries stay pending: nothing dispatches them

    // Younger than the retention: nothing goes.
    expect(await t.services.retention.pruneEvents({ retentionMs: DAY })).toEqual({
      eventsPruned: 0,
      deliveriesPruned: 0,
    });
    expect(await eventNames()).toHaveLength(6);

    clock = new Date(clock.getTime() + 2 * DAY);
    const pruned = await t.services.retention.pruneEvents({ retentionMs: DAY });
    // old (2 events) and kept's alias.moved (only `all` matched it, delivered).
    expect(pruned).toEqual({ eventsPruned: 3, deliveriesPruned: 3 });
    expect(await eventNames()).toEqual([
      "kept:version.created",
      "waiting:version.created",
      "waiting:alias.moved",
    ]);
    const page = await t.services.hooks.events(alice, { ...P, after: 0 });
    expect(page.prunedThrough).toBe(4); // seqs 1, 2 (old) and 4 (kept's alias move)
    expect(page.retentionMs).toBe(DAY);
    const log1 = await t.services.hooks.deliveries(alice, { id: all.id });
    expect(log1.deliveries.map((d) => d.status)).toEqual(["pending", "pending", "delivered"]);

    // Once the failed delivery is redelivered successfully, its event may go too.
    flakyUp = true;
    const failedId = failed.deliveries[0]?.id ?? 0;
    await t.services.hooks.redeliver(alice, { id: flaky.id, deliveryId: failedId });
    await deliverAll(); // also delivers `waiting`'s events
    clock = new Date(clock.getTime() + 2 * DAY);
    expect(await t.services.retention.pruneEvents({ retentionMs: DAY })).toEqual({
      eventsPruned: 3,
      deliveriesPruned: 5,
    });
    expect(await eventNames()).toEqual([]);
    expect((await t.services.hooks.events(alice, { ...P, after: 0 })).prunedThrough).toBe(6);
    expect((await t.services.hooks.deliveries(alice, { id: flaky.id })).deliveries).toEqual([]);

    // New events keep counting from where the stream was.
    await log("fresh");
    const fresh = await t.services.hooks.events(alice, { ...P, after: 0 });
    expect(fresh.events.map((e) => e.seq)).toEqual([7, 8]);
  });
}

describe("event pruning on PGlite", () => suite("pglite"));
await describeWithServices(["postgres"], "event pruning on PostgreSQL", () => suite("postgres"));
