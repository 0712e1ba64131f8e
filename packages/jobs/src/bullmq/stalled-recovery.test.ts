import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import { afterEach, expect, it } from "vitest";
import { createBullmqRunner, type JobContext, type JobRunner } from "../index.js";
import { obliterate, uniquePrefix } from "./test-support.js";

const url = serviceUrl("redis");
const require = createRequire(import.meta.url);

/**
 * A worker that picks a job, says so on stdout and never finishes: it stands for a worker process
 * that dies mid-job. Plain bullmq (no TypeScript) so `node` runs it directly.
 */
const CHILD_WORKER = `
const bullmq = await import(process.env.BULLMQ_URL);
const ioredis = await import(process.env.IOREDIS_URL);
const { Worker } = bullmq.default ?? bullmq;
const Redis = (ioredis.default ?? ioredis).Redis ?? ioredis.default;
const connection = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
const worker = new Worker(
  process.env.QUEUE,
  async (job) => {
    process.stdout.write("picked " + job.id + "\\n");
    await new Promise(() => {});
  },
  { connection, prefix: process.env.PREFIX, lockDuration: 1000, stalledInterval: 300 },
);
worker.on("error", () => {});
`;

function waitForLine(child: ChildProcess, line: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`child did not print "${line}" in ${timeoutMs} ms: ${output}`)),
      timeoutMs,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`child exited (${code}) early: ${output}`)));
  });
}

await describeWithServices(["redis"], "BullMQ stalled-job recovery", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("hands the job of a worker killed mid-job (SIGKILL) to another worker, once", async () => {
    type Payloads = { convert: { text: string } };
    const prefix = uniquePrefix("stall");
    const dir = await mkdtemp(join(tmpdir(), "cairn-jobs-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    cleanups.push(() => obliterate(url, prefix, ["convert"]));
    const script = join(dir, "worker.mjs");
    await writeFile(script, CHILD_WORKER);

    const runner: JobRunner<Payloads> = createBullmqRunner<Payloads>({
      connection: { url },
      prefix,
      worker: { lockDurationMs: 1000, stalledIntervalMs: 300 },
      onError: () => {},
    });
    cleanups.push(() => runner.close());
    const { jobId } = await runner.enqueue("convert", { text: "cairn" }, { jobId: "stall-1" });

    const child = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        BULLMQ_URL: pathToFileURL(require.resolve("bullmq")).href,
        IOREDIS_URL: pathToFileURL(require.resolve("ioredis")).href,
        REDIS_URL: url,
        PREFIX: prefix,
        QUEUE: "convert",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    });
    await waitForLine(child, `picked ${jobId}`, 15_000);
    expect((await runner.counts("convert")).active).toBe(1);
    child.kill("SIGKILL");
    expect(await exited).not.toBe(0);

    const runs: JobContext[] = [];
    await runner.startWorkers({
      convert: async ({ text }, ctx) => {
        runs.push(ctx);
        return text.toUpperCase();
      },
    });
    expect(await runner.waitFor("convert", jobId, { timeoutMs: 15_000 })).toBe("CAIRN");
    // Past another lock period and several stalled checks: no second run, one completion.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(runs.map((ctx) => ctx.jobId)).toEqual([jobId]);
    // The stall was not the job's fault: it does not use up one of its attempts.
    expect(runs[0]?.attempt).toBe(1);
    expect(await runner.counts("convert")).toMatchObject({ completed: 1, failed: 0, active: 0 });
  });
});
