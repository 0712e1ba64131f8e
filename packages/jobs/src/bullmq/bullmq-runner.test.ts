import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import { Redis } from "ioredis";
import { afterEach, expect, it } from "vitest";
import { createBullmqRunner, type JobRunner } from "../index.js";
import { CONFORMANCE_QUEUES, runJobRunnerConformance } from "../testing/index.js";
import { obliterate, uniquePrefix } from "./test-support.js";

const url = serviceUrl("redis");
const quiet = () => {};

await describeWithServices(["redis"], "BullMQ runner", () => {
  const prefixes: string[] = [];
  runJobRunnerConformance(
    "bullmq",
    (options) => {
      const prefix = uniquePrefix("conf");
      prefixes.push(prefix);
      return createBullmqRunner({ ...options, connection: { url }, prefix, onError: quiet });
    },
    {
      cleanup: async () => {
        for (const prefix of prefixes.splice(0)) await obliterate(url, prefix, CONFORMANCE_QUEUES);
      },
    },
  );

  type Payloads = { convert: { text: string } };
  const opened: Array<JobRunner<Payloads>> = [];
  const used: string[] = [];
  const open = (prefix: string, extra: Partial<Parameters<typeof createBullmqRunner>[0]> = {}) => {
    const runner = createBullmqRunner<Payloads>({
      connection: { url },
      prefix,
      onError: quiet,
      ...extra,
    });
    opened.push(runner);
    return runner;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((runner) => runner.close()));
    for (const prefix of used.splice(0)) await obliterate(url, prefix, ["convert"]);
  });

  it("lets a producer-only runner wait for a job run by another runner's worker", async () => {
    const prefix = uniquePrefix("split");
    used.push(prefix);
    const api = open(prefix);
    const fleet = open(prefix);
    await fleet.startWorkers({ convert: async ({ text }) => text.toUpperCase() });
    const { jobId } = await api.enqueue("convert", { text: "cairn" }, { jobId: "convert-1" });
    expect(await api.waitFor("convert", jobId, { timeoutMs: 10_000 })).toBe("CAIRN");
    expect((await api.counts("convert")).completed).toBe(1);
  });

  it("accepts a caller-owned ioredis client and leaves it open on close", async () => {
    const prefix = uniquePrefix("owned");
    used.push(prefix);
    const client = new Redis(url, { enableOfflineQueue: false });
    try {
      const runner = open(prefix, { connection: client });
      await runner.startWorkers({ convert: async ({ text }) => text.length });
      const { jobId } = await runner.enqueue("convert", { text: "four" });
      expect(await runner.waitFor("convert", jobId, { timeoutMs: 10_000 })).toBe(4);
      await runner.close();
      expect(await client.ping()).toBe("PONG");
    } finally {
      await client.quit();
    }
  });

  it("fails fast with UNAVAILABLE, naming the address, when Redis is unreachable", async () => {
    // Port 1 on loopback refuses connections at once; a password must never reach the message.
    const runner = open("unreachable", { connection: { url: "redis://user:s3cret@127.0.0.1:1" } });
    const started = Date.now();
    const error = (await runner
      .enqueue("convert", { text: "x" })
      .catch((e: unknown) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(2500);
    expect(error).toMatchObject({ name: "CairnError", code: "UNAVAILABLE" });
    expect(error.message).toMatch(
      /Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:1\/? is unreachable/,
    );
    expect(error.message).not.toContain("s3cret");
    // Later calls during the outage fail at once instead of waiting again.
    const again = Date.now();
    await expect(runner.counts("convert")).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect(Date.now() - again).toBeLessThan(500);
    await expect(runner.startWorkers({ convert: async () => 1 })).rejects.toMatchObject({
      code: "UNAVAILABLE",
    });
  });

  it("refuses a malformed Redis URL with INVALID_INPUT", () => {
    expect(() => createBullmqRunner({ connection: { url: "localhost:6379" } })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });
});
