import {
  referenceEntry,
  startWebhookReceiver,
  TEST_PROJECT,
  verifyStandardWebhook,
  type WebhookReceiver,
} from "@cairn/api/testing";
import type { Cairn } from "@cairn/client";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FaultEnv, startFaultEnv } from "./environment.js";

await describeWithServices(
  ["postgres"],
  "faults: webhook delivery survives SIGKILLed servers and workers (real processes)",
  () => {
    let env: FaultEnv;
    let cairn: Cairn;
    let receiver: WebhookReceiver;
    let secret: string;
    beforeAll(async () => {
      env = await startFaultEnv({
        workers: 1,
        serverEnv: {
          CAIRN_WEBHOOK_ALLOWED_NETWORKS: "127.0.0.1/32",
          CAIRN_WEBHOOK_POLL_MS: "100",
          CAIRN_WEBHOOK_TIMEOUT_MS: "1000",
          CAIRN_WEBHOOK_LEASE_MS: "2000",
          CAIRN_WEBHOOK_BACKOFF_MS: "200",
        },
      });
      cairn = env.newCairn();
      receiver = await startWebhookReceiver();
      secret = (
        await cairn.trpc.hooks.create.mutate({
          ...TEST_PROJECT,
          url: receiver.url,
          kinds: ["version.created"],
        })
      ).secret;
    });
    afterAll(async () => {
      await env?.close();
      await receiver?.close();
    });

    async function eventIds(name: string): Promise<string[]> {
      const rows = await env.database.db
        .selectFrom("events")
        .select(["id", "payload"])
        .where("kind", "=", "version.created")
        .orderBy("seq")
        .execute();
      return rows
        .filter((r) => (r.payload as { data: { name: string } }).data.name === name)
        .map((r) => r.id);
    }

    it("delivers events committed while no worker ran, after the server that committed them was SIGKILLed", async () => {
      for (const w of env.workers) {
        w.child.kill("SIGKILL");
        await w.exited;
      }
      for (const p of ["a", "b", "c"]) {
        await cairn.trpc.artifacts.log.mutate({
          ...TEST_PROJECT,
          name: "orphan",
          type: "dataset",
          entries: [referenceEntry(p)],
        });
      }
      await env.killServer();
      const committed = await eventIds("orphan");
      expect(committed).toHaveLength(3);
      expect(receiver.received).toHaveLength(0);

      await env.addWorker(); // a fresh worker finds the outbox rows and delivers them
      await receiver.waitFor(
        (r) => r.filter((d) => d.event.data.name === "orphan").length >= 3,
        30_000,
      );
      const got = receiver.accepted().filter((d) => d.event.data.name === "orphan");
      expect(got.map((d) => d.headers["webhook-id"])).toEqual(committed);
      for (const d of got) expect(verifyStandardWebhook(secret, d)).toBe(true);
      await env.restartServer();
    }, 90_000);

    it("redelivers, with the same event id, a delivery whose worker was SIGKILLed mid-request", async () => {
      receiver.hangNext(1);
      const before = receiver.received.length;
      await cairn.trpc.artifacts.log.mutate({
        ...TEST_PROJECT,
        name: "midflight",
        type: "dataset",
        entries: [referenceEntry("m")],
      });
      await receiver.waitFor((r) => r.length > before, 30_000);
      // The worker is now waiting on the receiver: kill it there.
      for (const w of env.workers.filter(
        (w) => w.child.exitCode === null && w.child.signalCode === null,
      )) {
        w.child.kill("SIGKILL");
        await w.exited;
      }
      await env.addWorker();
      await receiver.waitFor(
        (r) => r.some((d) => d.event.data.name === "midflight" && d.answered === 204),
        30_000,
      );
      const tries = receiver.received.filter((d) => d.event.data.name === "midflight");
      const [id] = await eventIds("midflight");
      expect(new Set(tries.map((d) => d.headers["webhook-id"]))).toEqual(new Set([id]));
      expect(tries.length).toBeGreaterThanOrEqual(2);
      const hooks = await cairn.trpc.hooks.list.query(TEST_PROJECT);
      const log = await cairn.trpc.hooks.deliveries.query({ id: hooks[0]!.id });
      expect(log.deliveries.find((d) => d.eventId === id)).toMatchObject({ status: "delivered" });
    }, 90_000);
  },
);
