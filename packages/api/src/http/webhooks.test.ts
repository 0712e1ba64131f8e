import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EventStreamBlock,
  readEventStream,
  referenceEntry,
  startTestServer,
  startWebhookReceiver,
  TEST_PROJECT,
  type TestServer,
  type TestServerOptions,
  verifyStandardWebhook,
  type WebhookReceiver,
} from "../testing/index.js";

/** Reads `GET /events` until `until` holds; returns the events (each block's data, its seq = its id). */
async function readStream(
  server: TestServer,
  apiKey: string | null,
  lastEventId: number | null,
  until: (events: Array<{ seq: number; type: string }>) => boolean,
): Promise<Array<{ seq: number; type: string; id: string }>> {
  const eventsOf = (blocks: readonly EventStreamBlock[]) =>
    blocks
      .filter((b) => b.id !== undefined)
      .map((b) => b.data as unknown as { seq: number; type: string; id: string });
  const { status, contentType, blocks } = await readEventStream(server.baseUrl, {
    apiKey,
    lastEventId,
    until: (read) => until(eventsOf(read)),
  });
  expect(status).toBe(200);
  expect(contentType).toMatch(/^text\/event-stream/);
  for (const block of blocks.filter((b) => b.id !== undefined)) {
    expect(block.data.seq).toBe(Number(block.id));
  }
  return eventsOf(blocks);
}

function suite(options: TestServerOptions) {
  let server: TestServer;
  let all: WebhookReceiver;
  let production: WebhookReceiver;
  let allSecret: string;
  let productionSecret: string;

  beforeAll(async () => {
    server = await startTestServer(options);
    all = await startWebhookReceiver();
    production = await startWebhookReceiver();
  });
  afterAll(async () => {
    await server?.close();
    await all?.close();
    await production?.close();
  });

  it("delivers each event kind once per matching hook, signed per Standard Webhooks", async () => {
    const c = server.client;
    allSecret = (await c.hooks.create.mutate({ ...TEST_PROJECT, url: all.url })).secret;
    expect(allSecret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const prodHook = await c.hooks.create.mutate({
      ...TEST_PROJECT,
      url: production.url,
      kinds: ["alias.moved"],
      typePattern: "dataset",
      aliasPattern: "prod*",
    });
    productionSecret = prodHook.secret;

    await c.artifacts.log.mutate({
      ...TEST_PROJECT,
      name: "cats",
      type: "dataset",
      entries: [referenceEntry("a")],
    });
    const v1 = await c.artifacts.log.mutate({
      ...TEST_PROJECT,
      name: "cats",
      type: "dataset",
      aliases: ["production"],
      entries: [referenceEntry("b")],
    });
    await c.artifacts.delete.mutate({ ...TEST_PROJECT, ref: "cats:v0" });
    await c.artifacts.log.mutate({
      ...TEST_PROJECT,
      name: "cats",
      type: "dataset",
      ttl: "1d",
      entries: [referenceEntry("c")],
    });
    await c.artifacts.log.mutate({
      ...TEST_PROJECT,
      name: "cats",
      type: "dataset",
      entries: [referenceEntry("d")],
    });
    await server.services.retention.expireVersions({
      now: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    });
    const draft = { ...TEST_PROJECT, name: "dogs", type: "dataset", distributedId: "g1" };
    await c.artifacts.upsert.mutate({ ...draft, entries: [referenceEntry("x")] });
    const finished = await c.artifacts.finish.mutate(draft);
    await c.artifacts.draftStatus.query({ draftId: finished.draftId, waitMs: 10_000 });
    // A draft naming a file whose bytes were never uploaded: its commit fails for good.
    const bad = { ...TEST_PROJECT, name: "birds", type: "dataset", distributedId: "g2" };
    await c.artifacts.upsert.mutate({
      ...bad,
      entries: [{ path: "y", digest: "0".repeat(64), size: 1 }],
    });
    const failing = await c.artifacts.finish.mutate(bad);
    await c.artifacts.draftStatus.query({ draftId: failing.draftId, waitMs: 10_000 });

    const expected = {
      "version.created": 5, // cats v0 v1 v2 v3, dogs v0
      "alias.moved": 7, // latest ×5 (first set, 3 moves, dogs), production, v0's removal? no: see below
      "version.deleted": 1,
      "version.expired": 1,
      "draft.finished": 1,
      "draft.failed": 1,
    };
    // latest: cats set (v0), →v1, →v2, →v3, dogs set (v0) = 5; production set = 1; total 6.
    expected["alias.moved"] = 6;
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    await all.waitFor((r) => r.length >= total);
    await production.waitFor((r) => r.length >= 1);
    await new Promise((r) => setTimeout(r, 300)); // nothing more may arrive

    const got = all.accepted();
    expect(got).toHaveLength(total);
    const counts: Record<string, number> = {};
    for (const d of got) counts[d.event.type] = (counts[d.event.type] ?? 0) + 1;
    expect(counts).toEqual(expected);
    expect(new Set(got.map((d) => d.headers["webhook-id"])).size).toBe(total);
    for (const d of got) {
      expect(d.headers["webhook-id"]).toBe(d.event.id);
      expect(verifyStandardWebhook(allSecret, d)).toBe(true);
      expect(verifyStandardWebhook(productionSecret, d)).toBe(false);
    }
    // In commit order.
    expect(got.map((d) => d.event.seq)).toEqual(
      [...got.map((d) => d.event.seq)].sort((a, b) => a - b),
    );

    const created = got.find(
      (d) =>
        d.event.type === "version.created" &&
        (d.event.data.version as { version: string }).version === "v1",
    );
    expect(created?.event.data).toMatchObject({
      entity: "admin",
      project: "default",
      name: "cats",
      type: "dataset",
      version: { version: "v1", ref: "admin/default/cats:v1", digest: v1.version.digest },
    });
    expect(created?.event).toMatchObject({ actor: { name: "admin" } });
    const failed = got.find((d) => d.event.type === "draft.failed");
    expect(failed?.event.data).toMatchObject({
      name: "birds",
      type: "dataset",
      distributedId: "g2",
    });
    expect(failed?.event.data.error).toMatchObject({ code: "INVALID_MANIFEST" });

    expect(production.accepted()).toHaveLength(1);
    const [moved] = production.accepted();
    expect(verifyStandardWebhook(productionSecret, moved!)).toBe(true);
    expect(moved?.event).toMatchObject({
      type: "alias.moved",
      data: { alias: "production", from: null, to: { version: "v1", digest: v1.version.digest } },
    });
  });

  it("retries a failing receiver with backoff: fails 3 times, delivered on the 4th try", async () => {
    const c = server.client;
    const flaky = await startWebhookReceiver();
    try {
      const hook = await c.hooks.create.mutate({
        ...TEST_PROJECT,
        url: flaky.url,
        kinds: ["version.created"],
      });
      flaky.failNext(3);
      await c.artifacts.log.mutate({
        ...TEST_PROJECT,
        name: "retry",
        type: "model",
        entries: [referenceEntry("r")],
      });
      await flaky.waitFor((r) => r.some((d) => d.answered === 204));
      expect(flaky.received.map((d) => d.answered)).toEqual([500, 500, 500, 204]);
      expect(new Set(flaky.received.map((d) => d.headers["webhook-id"])).size).toBe(1);
      const gaps = flaky.received
        .slice(1)
        .map((d, i) => d.receivedAt - flaky.received[i]!.receivedAt);
      // backoff 100 ms, doubling: each wait at least the previous one's base (poll jitter aside).
      expect(gaps[0]).toBeGreaterThanOrEqual(90);
      expect(gaps[2]).toBeGreaterThanOrEqual(390);

      const log = await c.hooks.deliveries.query({ id: hook.id });
      expect(log.deliveries).toHaveLength(1);
      expect(log.deliveries[0]).toMatchObject({
        status: "delivered",
        attempts: 4,
        lastStatus: 204,
        eventType: "version.created",
      });
      expect(log.deliveries[0]?.latencyMs).toBeGreaterThanOrEqual(0);

      // Redelivery by id: the same event (same webhook-id) comes again.
      const first = log.deliveries[0]!;
      await c.hooks.redeliver.mutate({ id: hook.id, deliveryId: first.id });
      await flaky.waitFor((r) => r.length === 5);
      expect(flaky.received[4]?.headers["webhook-id"]).toBe(first.eventId);

      // A receiver failing every time is given up after the retry limit, with the answer logged.
      // The receiver has the redelivery a moment before the worker records its answer.
      await expect
        .poll(async () => (await c.hooks.list.query(TEST_PROJECT)).find((h) => h.id === hook.id))
        .toMatchObject({ pending: 0, failed: 0 });
    } finally {
      await flaky.close();
    }
  });

  it("signs with both secrets while a rotation is under way", async () => {
    const c = server.client;
    const receiver = await startWebhookReceiver();
    try {
      const hook = await c.hooks.create.mutate({
        ...TEST_PROJECT,
        url: receiver.url,
        namePattern: "rot",
      });
      const rotated = await c.hooks.rotateSecret.mutate({ id: hook.id });
      await c.artifacts.log.mutate({
        ...TEST_PROJECT,
        name: "rot",
        type: "model",
        entries: [referenceEntry("q")],
      });
      await receiver.waitFor((r) => r.length >= 2);
      for (const d of receiver.received) {
        expect(verifyStandardWebhook(hook.secret, d)).toBe(true);
        expect(verifyStandardWebhook(rotated.secret, d)).toBe(true);
        expect(String(d.headers["webhook-signature"]).split(" ")).toHaveLength(2);
      }
    } finally {
      await receiver.close();
    }
  });

  it("delivers 1,000 concurrent alias moves in commit order", async () => {
    const c = server.client;
    const receiver = await startWebhookReceiver();
    try {
      await c.hooks.create.mutate({
        ...TEST_PROJECT,
        url: receiver.url,
        namePattern: "order",
        aliasPattern: "champion",
      });
      for (const p of ["o0", "o1", "o2"]) {
        await c.artifacts.log.mutate({
          ...TEST_PROJECT,
          name: "order",
          type: "model",
          entries: [referenceEntry(p)],
        });
      }
      let next = 0;
      const mover = async () => {
        while (next < 1000) {
          const i = next++;
          await c.artifacts.setAlias.mutate({
            ...TEST_PROJECT,
            ref: `order:v${(i * 7) % 3}`,
            alias: "champion",
          });
        }
      };
      await Promise.all(Array.from({ length: 8 }, mover));
      const listed: Array<{ type: string; data: { alias?: string; name: string } }> = [];
      let after = 0;
      for (;;) {
        const page = await c.hooks.events.query({ ...TEST_PROJECT, after, limit: 1000 });
        listed.push(...page.events);
        if (page.events.length < 1000) break;
        after = page.lastSeq;
      }
      const moves = listed.filter((e) => e.data.name === "order" && e.data.alias === "champion");
      expect(moves.length).toBeGreaterThanOrEqual(600); // (i*7)%3 cycles targets: most calls move it
      await receiver.waitFor((r) => r.length >= moves.length, 60_000);
      const got = receiver.accepted().map((d) => d.event);
      expect(got).toHaveLength(moves.length);
      for (let i = 1; i < got.length; i++) {
        expect(got[i]!.seq).toBeGreaterThan(got[i - 1]!.seq);
        // Each move starts where the previous one ended: commit order, nothing lost or swapped.
        const from = (got[i]!.data.from as { version: string } | null)?.version;
        expect(from).toBe((got[i - 1]!.data.to as { version: string }).version);
      }
    } finally {
      await receiver.close();
    }
  }, 600_000);

  it("streams events over SSE and a reconnect with Last-Event-ID misses nothing", async () => {
    const c = server.client;
    const before = (await c.hooks.events.query({ ...TEST_PROJECT, limit: 1 })).events[0]?.seq ?? 1;
    const firstPart = await readStream(server, server.adminKey, null, (e) => e.length >= 5);
    expect(firstPart[0]?.seq).toBe(before);
    const last = firstPart[firstPart.length - 1]!.seq;
    // Changes while disconnected.
    for (const p of ["s0", "s1", "s2"]) {
      await c.artifacts.log.mutate({
        ...TEST_PROJECT,
        name: "stream",
        type: "dataset",
        entries: [referenceEntry(p)],
      });
    }
    const head = await c.hooks.events.query({ ...TEST_PROJECT, after: last, limit: 1000 });
    const target = head.lastSeq;
    const rest = await readStream(server, server.adminKey, last, (e) => e.at(-1)?.seq === target);
    const seqs = [...firstPart, ...rest].map((e) => e.seq);
    const expected = Array.from({ length: target - before + 1 }, (_, i) => before + i);
    expect(seqs).toEqual(expected);
  });

  it("keeps hooks and streams to those allowed, and refuses internal targets", async () => {
    const c = server.client;
    const { apiKey } = await c.accounts.createUser.mutate({ name: "mallory" });
    const mallory = server.clientFor(apiKey);
    await expect(
      mallory.hooks.create.mutate({ ...TEST_PROJECT, url: all.url }),
    ).rejects.toMatchObject({
      data: { code: "NOT_FOUND" },
    });
    await expect(mallory.hooks.list.query(TEST_PROJECT)).rejects.toMatchObject({
      data: { code: "NOT_FOUND" },
    });
    const [someHook] = await c.hooks.list.query(TEST_PROJECT);
    await expect(mallory.hooks.deliveries.query({ id: someHook!.id })).rejects.toMatchObject({
      data: { code: "NOT_FOUND" },
    });
    await expect(mallory.hooks.remove.mutate({ id: someHook!.id })).rejects.toMatchObject({
      data: { code: "NOT_FOUND" },
    });
    const stream = await fetch(`${server.baseUrl}/events?entity=admin&project=default`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(stream.status).toBe(404);
    expect(await stream.json()).toMatchObject({ error: { code: "NOT_FOUND" } });

    for (const url of [
      "http://10.0.0.1/hook",
      "http://169.254.169.254/latest/meta-data",
      "http://127.0.0.2/hook",
      "http://[::1]/hook",
      "http://[::ffff:10.1.2.3]/hook",
      "file:///etc/passwd",
      "http://user:pw@example.com/",
      "not a url",
    ]) {
      const error = await c.hooks.create.mutate({ ...TEST_PROJECT, url }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, url).toMatchObject({ data: { code: "BAD_REQUEST" } });
      expect((error as Error).message, url).toMatch(/Webhook URL|not a URL/);
    }
    await expect(
      c.hooks.create.mutate({ ...TEST_PROJECT, url: all.url, aliasPattern: "(a+)+$" }),
    ).rejects.toThrow(/pattern/);
    const badResume = await fetch(`${server.baseUrl}/events?entity=admin&project=default`, {
      headers: { authorization: `Bearer ${server.adminKey}`, "last-event-id": "abc" },
    });
    expect(badResume.status).toBe(400);
  });
}

describe("webhooks and events, embedded (PGlite, in-process jobs)", () => suite({}));

await describeWithServices(
  ["postgres", "redis"],
  "webhooks and events on PostgreSQL and BullMQ",
  () => suite({ db: "postgres", jobs: "bullmq" }),
);
