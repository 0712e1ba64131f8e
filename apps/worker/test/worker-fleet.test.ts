import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFsBlobStore } from "@cairn/blobs";
import { JOB_PAYLOAD_SCHEMAS, type JobPayloads, type ManifestEntry } from "@cairn/core";
import { createTestDatabase, type TestDatabase } from "@cairn/db";
import { createBullmqRunner } from "@cairn/jobs";
import { type Actor, type CairnJobRunner, createServices, type Services } from "@cairn/services";
import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deleteRedisKeys, spawnWorker, stopWorker, type WorkerChild } from "./fleet.js";

const WORKERS = 3;

/** Where a worker serves /metrics (logged with "cairn worker ready"). */
function metricsUrlOf(worker: WorkerChild): string {
  const match = /"metricsUrl":"([^"]+)"/.exec(worker.output.join(""));
  if (!match?.[1]) throw new Error(`worker ${worker.name} logged no metricsUrl`);
  return match[1];
}

/** The value of one series of a Prometheus text exposition (0 when absent). */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
const WRITERS = 32;
const FILES_PER_WRITER = 200;

await describeWithServices(
  ["postgres", "redis"],
  "worker fleet: 3 apps/worker processes on PostgreSQL + Redis",
  () => {
    const redisUrl = serviceUrl("redis");
    const prefix = `cairn-test-fleet-${randomUUID().slice(0, 8)}`;
    let database: TestDatabase;
    let blobDir: string;
    let jobs: CairnJobRunner;
    let services: Services;
    let alice: Actor;
    const workers: WorkerChild[] = [];
    const P = { entity: "alice", project: "main" };

    /** Stores files for alice: bytes in the shared store, blob and owner rows in batches. */
    async function files(list: Array<{ path: string; content: string }>): Promise<ManifestEntry[]> {
      const blobs = createFsBlobStore({ root: blobDir });
      const entries = list.map(({ path, content }) => ({
        path,
        digest: createHash("sha256").update(content).digest("hex"),
        size: Buffer.byteLength(content),
        content,
      }));
      for (let i = 0; i < entries.length; i += 64) {
        await Promise.all(
          entries.slice(i, i + 64).map((e) => blobs.put(e.digest, Buffer.from(e.content))),
        );
      }
      for (let i = 0; i < entries.length; i += 1000) {
        const batch = entries.slice(i, i + 1000);
        await database.db
          .insertInto("blobs")
          .values(batch.map((e) => ({ digest: e.digest, size: e.size })))
          .onConflict((oc) => oc.doNothing())
          .execute();
        await database.db
          .insertInto("blob_owners")
          .values(batch.map((e) => ({ entity_id: alice.userId, digest: e.digest })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      return entries.map(({ path, digest, size }) => ({ path, digest, size }));
    }

    beforeAll(async () => {
      database = await createTestDatabase("postgres");
      blobDir = await mkdtemp(join(tmpdir(), "cairn-fleet-"));
      // This process is a producer only (like an API server with CAIRN_NO_WORKERS).
      jobs = createBullmqRunner<JobPayloads>({
        connection: { url: redisUrl },
        prefix,
        schemas: JOB_PAYLOAD_SCHEMAS,
      });
      services = createServices({
        db: database.db,
        blobs: createFsBlobStore({ root: blobDir }),
        jobs,
        publicUrl: "http://127.0.0.1:1",
        signingSecret: randomBytes(32),
      });
      const user = await database.db
        .insertInto("entities")
        .values({ kind: "user", name: "alice" })
        .returning("id")
        .executeTakeFirstOrThrow();
      const project = await database.db
        .insertInto("projects")
        .values({ entity_id: user.id, name: "main" })
        .returning("id")
        .executeTakeFirstOrThrow();
      alice = { userId: user.id, userName: "alice", isSiteAdmin: false };
      await database.db
        .insertInto("runs")
        .values(
          Array.from({ length: WRITERS }, (_, w) => ({
            project_id: project.id,
            id: `writer-${w}`,
          })),
        )
        .execute();

      const databaseUrl = new URL(
        process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
      );
      const started = await Promise.all(
        Array.from({ length: WORKERS }, (_, i) => {
          const url = new URL(databaseUrl);
          // Lets the test see in pg_stat_activity which worker a backend belongs to.
          url.searchParams.set("application_name", `cairn-worker-${i}`);
          return spawnWorker(`cairn-worker-${i}`, {
            DATABASE_URL: url.toString(),
            CAIRN_DATABASE_SCHEMA: database.schema ?? "",
            CAIRN_DATABASE_POOL_SIZE: "4",
            REDIS_URL: redisUrl,
            CAIRN_QUEUE_PREFIX: prefix,
            CAIRN_BLOB_DIR: blobDir,
            CAIRN_NO_SCHEDULES: "true",
            // Short locks: a killed worker's job is taken over within seconds, not 30 s.
            CAIRN_JOB_LOCK_MS: "2000",
            CAIRN_JOB_STALLED_INTERVAL_MS: "1000",
            // Any free port: each worker serves its own /metrics.
            CAIRN_METRICS_PORT: "0",
          });
        }),
      );
      workers.push(...started);
    }, 120_000);

    afterAll(async () => {
      await Promise.allSettled(workers.map((w) => stopWorker(w)));
      await jobs?.close();
      await database?.cleanup();
      await deleteRedisKeys(redisUrl, prefix);
      if (blobDir) await rm(blobDir, { recursive: true, force: true });
    }, 60_000);

    it(`${WRITERS} writers × ${FILES_PER_WRITER} files, merged by ${WORKERS} worker processes, make one version`, async () => {
      const pages = await Promise.all(
        Array.from({ length: WRITERS }, (_, w) =>
          files(
            Array.from({ length: FILES_PER_WRITER }, (_, f) => ({
              path: `w${w}/f${f}.txt`,
              content: `fleet ${w}/${f}`,
            })),
          ),
        ),
      );
      const key = { ...P, name: "fleet", type: "dataset", distributedId: "group-a" };
      await Promise.all(
        pages.map(async (entries, w) => {
          for (const page of [entries.slice(0, 100), entries.slice(100)]) {
            await services.drafts.upsert(alice, { ...key, runId: `writer-${w}`, entries: page });
          }
        }),
      );
      const { draftId } = await services.drafts.finish(alice, { ...key, aliases: ["complete"] });
      const status = await services.drafts.status(alice, { draftId, waitMs: 25_000 });
      expect(status.status).toBe("finished");
      expect(status.pendingUpserts).toBe(0);
      expect(status.version).toMatchObject({
        version: "v0",
        fileCount: WRITERS * FILES_PER_WRITER,
        aliases: ["complete", "latest"],
      });
      const versions = await database.db.selectFrom("versions").select("id").execute();
      expect(versions).toHaveLength(1);
      // The merges really ran in the worker processes (this process has no workers).
      const upserts = await jobs.counts("upsert");
      expect(upserts.completed).toBeGreaterThan(0);
      expect(upserts.failed).toBe(0);
    }, 120_000);

    it("every worker serves /metrics: job durations and counts per queue for the jobs it ran", async () => {
      let upsertsTimed = 0;
      let finishesTimed = 0;
      for (const worker of workers) {
        const res = await fetch(metricsUrlOf(worker));
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toContain("text/plain");
        const text = await res.text();
        expect(text).toContain("# TYPE cairn_job_duration_seconds histogram");
        upsertsTimed += sample(
          text,
          'cairn_job_duration_seconds_count{queue="upsert",outcome="completed"}',
        );
        finishesTimed += sample(
          text,
          'cairn_job_duration_seconds_count{queue="finish",outcome="completed"}',
        );
      }
      // Every job the workers completed was timed by the worker that ran it.
      expect(upsertsTimed).toBe((await jobs.counts("upsert")).completed);
      expect(finishesTimed).toBe((await jobs.counts("finish")).completed);
      expect(finishesTimed).toBeGreaterThanOrEqual(1);
    });

    it("a worker SIGKILLed mid-finish: another worker finishes the draft, with no duplicate version", async () => {
      const key = { ...P, name: "crashy", type: "dataset", distributedId: "group-b" };
      // v0 exists, so the finish's commit must lock this collection row — which the test holds.
      const [first, ...rest] = await files([
        { path: "seed.txt", content: "crashy seed" },
        ...Array.from({ length: 50 }, (_, i) => ({
          path: `part-${i}.txt`,
          content: `crashy part ${i}`,
        })),
      ]);
      await services.artifacts.log(alice, {
        ...P,
        name: "crashy",
        type: "dataset",
        entries: [first as ManifestEntry],
      });
      for (let i = 0; i < rest.length; i += 10) {
        await services.drafts.upsert(alice, { ...key, entries: rest.slice(i, i + 10) });
      }

      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = database.db.transaction().execute(async (trx) => {
        await trx
          .selectFrom("collections")
          .select("id")
          .where("name", "=", "crashy")
          .forUpdate()
          .execute();
        locked();
        await released;
      });
      await isLocked;

      const { draftId } = await services.drafts.finish(alice, key);
      // Wait until a worker's finish transaction is blocked on the collection lock: mid-finish.
      let victim: WorkerChild | undefined;
      for (let i = 0; i < 200 && !victim; i++) {
        const blocked = await database.db
          .withTables<{
            pg_stat_activity: { application_name: string; wait_event_type: string | null };
          }>()
          .selectFrom("pg_stat_activity")
          .select("application_name")
          .where("application_name", "like", "cairn-worker-%")
          .where("wait_event_type", "=", "Lock")
          .execute();
        const name = blocked[0]?.application_name;
        victim = workers.find((w) => w.name === name);
        if (!victim) await new Promise((r) => setTimeout(r, 100));
      }
      expect(victim, "no worker blocked inside the finish transaction").toBeDefined();
      victim?.process.kill("SIGKILL");
      expect(await victim?.exited).toBe("SIGKILL");
      release();
      await holder;

      const status = await services.drafts.status(alice, { draftId, waitMs: 25_000 });
      expect(status.status).toBe("finished");
      expect(status.version).toMatchObject({ version: "v1", fileCount: 50 });
      const versions = await database.db
        .selectFrom("versions")
        .innerJoin("collections", "collections.id", "versions.collection_id")
        .select("versions.number")
        .where("collections.name", "=", "crashy")
        .orderBy("versions.number")
        .execute();
      expect(versions.map((v) => v.number)).toEqual([0, 1]);
      const finish = await jobs.counts("finish");
      expect(finish.failed).toBe(0);
    }, 120_000);
  },
);
