import { join } from "node:path";
import {
  referenceEntry,
  startWebhookReceiver,
  TEST_PROJECT,
  verifyStandardWebhook,
  type WebhookReceiver,
} from "@cairn/api/testing";
import { Cairn } from "@cairn/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHarness, startCliHarness } from "./cli.test-helpers.js";

describe("cairn hooks and cairn watch (built CLI, embedded server)", () => {
  let h: CliHarness;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    h = await startCliHarness({});
    receiver = await startWebhookReceiver();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it("creates, lists, shows deliveries, redelivers and removes a hook", async () => {
    const created = await h.cairn([
      "hooks",
      "create",
      receiver.url,
      "--events",
      "alias.moved",
      "--type",
      "dataset",
      "--alias",
      "production",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const hook = created.json();
    expect(hook.secret).toMatch(/^whsec_/);
    const c = h.server.client;
    await c.artifacts.log.mutate({
      ...TEST_PROJECT,
      name: "cats",
      type: "dataset",
      entries: [referenceEntry("a")],
    });
    await c.artifacts.log.mutate({
      ...TEST_PROJECT,
      name: "cats",
      type: "dataset",
      aliases: ["production"],
      entries: [referenceEntry("b")],
    });
    await receiver.waitFor((r) => r.length === 1);
    expect(verifyStandardWebhook(hook.secret, receiver.received[0]!)).toBe(true);

    const ls = await h.cairn(["hooks", "ls"]);
    expect(ls.stdout).toContain(hook.id);
    expect(ls.stdout).toContain("alias=production");
    const log = await h.cairn(["hooks", "deliveries", hook.id, "--json"]);
    const [delivery] = log.json();
    expect(delivery).toMatchObject({ status: "delivered", eventType: "alias.moved", attempts: 1 });
    const again = await h.cairn(["hooks", "redeliver", hook.id, String(delivery.id)]);
    expect(again.code).toBe(0);
    await receiver.waitFor((r) => r.length === 2);
    expect(receiver.received[1]?.headers["webhook-id"]).toBe(delivery.eventId);

    const bad = await h.cairn(["hooks", "create", receiver.url, "--events", "version.made"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Unknown event kind "version.made"');
    const internal = await h.cairn(["hooks", "create", "http://169.254.169.254/latest"]);
    expect(internal.code).not.toBe(0);
    expect(internal.stderr).toContain("refused");

    expect((await h.cairn(["hooks", "rm", hook.id])).code).toBe(0);
    expect((await h.cairn(["hooks", "ls", "--json"])).json()).toEqual([]);
  }, 60_000);

  it("watch prints the project's events from a position", async () => {
    const watched = await h.cairn(["watch", "--after", "0", "--limit", "3", "--json"]);
    expect(watched.code).toBe(0);
    const events = watched.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[0]).toMatchObject({ type: "version.created", data: { name: "cats" } });
    const human = await h.cairn(["watch", "--after", "1", "--limit", "1"]);
    expect(human.stdout).toMatch(/^2\t\S+\talias\.moved\tcats:latest ∅ → v0\n$/);
  }, 60_000);

  it("watch warns about pruned events and goes on; the client refuses without onGap", async () => {
    await h.server.rawSql(
      "update events set created_at = now() - interval '40 days' where seq <= 2",
    );
    const pruned = await h.server.services.retention.pruneEvents({ retentionMs: 30 * 86_400_000 });
    expect(pruned.eventsPruned).toBe(2);
    const watched = await h.cairn(["watch", "--after", "1", "--limit", "1", "--json"]);
    expect(watched.code).toBe(0);
    expect(watched.stderr).toContain(
      "warning: Events after 1 up to 2 were pruned: delivered events are kept for 30d",
    );
    expect(JSON.parse(watched.stdout.trim())).toMatchObject({ seq: 3 });

    const cairn = new Cairn({
      baseUrl: h.server.baseUrl,
      apiKey: h.server.adminKey,
      ...TEST_PROJECT,
      env: {},
      configPath: join(h.dir, "no-config.json"),
      cacheDir: join(h.dir, "client-cache"),
    });
    const iterate = async () => {
      for await (const _ of cairn.api().events({ after: 1 })) break;
    };
    await expect(iterate()).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("(CAIRN_EVENT_RETENTION)"),
    });
    const gaps: number[] = [];
    for await (const event of cairn.api().events({ after: 1, onGap: (g) => gaps.push(g.after) })) {
      expect(event.seq).toBe(3);
      break;
    }
    expect(gaps).toEqual([1]);
    await cairn.close();
  }, 60_000);
});
