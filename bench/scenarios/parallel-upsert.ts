import { join } from "node:path";
import { createCairnTrpcClient } from "@cairn/client/internal";
import pg from "pg";
import { adminTrpc, BENCH_ENTITY, BENCH_PROJECT, createBenchProject } from "../lib/cairn.js";
import { referenceEntries, waitForDraft } from "../lib/entries.js";
import { startEventProbe } from "../lib/event-probe.js";
import { createFreshDatabase } from "../lib/postgres.js";
import { type SpawnedWorker, spawnServer, spawnWorker } from "../lib/processes.js";
import { deleteQueueKeys, redisUrl, uniqueQueuePrefix } from "../lib/redis.js";
import { type Check, row } from "../lib/results.js";
import type { Scenario } from "../lib/scenario.js";
import { summarize, timed } from "../lib/stats.js";

const WRITERS = 32;
const WORKERS = 3;

const ref = { entity: BENCH_ENTITY, project: BENCH_PROJECT };

/**
 * `parallel-upsert`: 32 writers each upsert 1,000 entries into one draft (one `distributedId`),
 * then one finishes it; a server that only enqueues (`CAIRN_NO_WORKERS=true`, BullMQ on Redis,
 * PostgreSQL) and 3 `apps/worker` processes merge and commit. Beside it: the same rows written
 * straight into PostgreSQL by 32 clients (one `unnest` insert each), the floor of the database.
 */
export const parallelUpsert: Scenario = {
  name: "parallel-upsert",
  title: "32 writers × 1,000 entries into one draft, 3 worker processes (PostgreSQL + Redis)",
  async run(ctx) {
    const perWriter = ctx.quick ? 250 : 1_000;
    const total = WRITERS * perWriter;
    const database = await createFreshDatabase();
    const prefix = uniqueQueuePrefix();
    const dataDir = join(ctx.workDir, "server");
    // The event probe's receiver listens on loopback, which webhooks may reach only when allowed.
    const probe = await startEventProbe();
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl(),
      CAIRN_QUEUE_PREFIX: prefix,
      CAIRN_WEBHOOK_ALLOWED_NETWORKS: "127.0.0.1/32",
    };
    const server = await spawnServer(dataDir, { ...shared, CAIRN_NO_WORKERS: "true" });
    const workers: SpawnedWorker[] = [];
    const checks: Check[] = [];
    const s = {
      upsert: [] as number[],
      finish: [] as number[],
      totalRate: [] as number[],
      raw: [] as number[],
      rawRate: [] as number[],
      eventP50: [] as number[],
      eventP99: [] as number[],
    };
    let probes = 0;
    try {
      for (let i = 0; i < WORKERS; i++) {
        workers.push(
          await spawnWorker({
            ...shared,
            CAIRN_DATA_DIR: dataDir,
            CAIRN_PUBLIC_URL: server.baseUrl,
          }),
        );
      }
      const admin = adminTrpc(server.baseUrl, server.apiKey);
      await createBenchProject(admin);
      await probe.install(admin, ref);
      // One tRPC client per writer: a shared batch link would merge their calls into one request.
      const writers = Array.from({ length: WRITERS }, () =>
        createCairnTrpcClient({ baseUrl: server.baseUrl, apiKey: server.apiKey, retry: {} }),
      );
      for (let rep = 0; rep < ctx.repetitions; rep++) {
        ctx.log(`rep ${rep}: ${WRITERS} writers × ${perWriter}`);
        const cairnFirst = rep % 2 === 0;
        if (!cairnFirst) await rawInsert(database.url, total, perWriter, s);
        const draft = {
          ...ref,
          name: `table-${rep}`,
          type: "dataset",
          distributedId: `group-${rep}`,
        };
        // Probe versions logged every 50 ms while the upserts and the commit run (own client).
        const probing = probe.start(
          createCairnTrpcClient({ baseUrl: server.baseUrl, apiKey: server.apiKey, retry: {} }),
          ref,
          `probe-${rep}`,
          50,
        );
        const start = process.hrtime.bigint();
        const upserts = await Promise.all(
          writers.map((w, i) =>
            w.artifacts.upsert.mutate({
              ...draft,
              entries: referenceEntries(i * perWriter, perWriter, `rank-${i}`),
            }),
          ),
        );
        const upserted = process.hrtime.bigint();
        await writers[0]!.artifacts.finish.mutate(draft);
        const status = await waitForDraft(writers[0]!, upserts[0]!.draftId);
        const done = process.hrtime.bigint();
        const latency = await probing.stop();
        s.eventP50.push(latency.p50);
        s.eventP99.push(latency.p99);
        probes += latency.count;
        s.upsert.push(Number(upserted - start) / 1e9);
        s.finish.push(Number(done - upserted) / 1e9);
        s.totalRate.push(total / (Number(done - start) / 1e9));
        checks.push({
          label: `version holds every upserted entry (rep ${rep})`,
          ok: status.version?.fileCount === total,
          detail: `fileCount ${status.version?.fileCount} of ${total}`,
        });
        if (cairnFirst) await rawInsert(database.url, total, perWriter, s);
      }
    } finally {
      for (const w of workers) await w.stop();
      await server.stop();
      await probe.close();
      await database.drop();
      await deleteQueueKeys(prefix).catch((error: unknown) =>
        ctx.log(`redis cleanup failed: ${String(error)}`),
      );
    }
    return {
      quick: ctx.quick,
      repetitions: ctx.repetitions,
      params: {
        writers: WRITERS,
        entriesPerWriter: perWriter,
        workers: WORKERS,
        database: "PostgreSQL",
        jobs: "BullMQ",
      },
      rows: [
        row(
          "entries merged per second (first upsert → committed)",
          "entries/s",
          summarize(s.totalRate),
          { label: "raw pg unnest insert", summary: summarize(s.rawRate) },
          { of: "value", op: ">=", value: 10_000 },
        ),
        row(`${WRITERS} concurrent upserts answered`, "s", summarize(s.upsert), {
          label: "raw pg unnest insert",
          summary: summarize(s.raw),
        }),
        row("finish latency (finish → committed version)", "s", summarize(s.finish)),
        row(
          "event delivery latency p50 (commit → webhook receiver), under this load",
          "ms",
          summarize(s.eventP50),
        ),
        row(
          "event delivery latency p99 (commit → webhook receiver), under this load",
          "ms",
          summarize(s.eventP99),
        ),
      ],
      checks,
      notes: [
        `${probes} probe versions logged every 50 ms during the upserts and the commit, each delivered by a webhook (BullMQ, 3 workers, dispatchers woken by the outbox's NOTIFY) to a loopback receiver; latency = arrival − the event's commit-time timestamp.`,
      ],
    };
  },
};

/** The same number of rows inserted by 32 clients at once, one `unnest` insert each. */
async function rawInsert(
  url: string,
  total: number,
  perWriter: number,
  s: { raw: number[]; rawRate: number[] },
) {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(
    "create table if not exists bench_raw (run int, path text, digest text, size bigint, ref text, primary key (run, path))",
  );
  await setup.query("truncate bench_raw");
  await setup.end();
  const clients = Array.from({ length: WRITERS }, () => new pg.Client({ connectionString: url }));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    const t = await timed(() =>
      Promise.all(
        clients.map((c, i) => {
          const rows = referenceEntries(i * perWriter, perWriter, `rank-${i}`);
          return c.query(
            "insert into bench_raw select 0, * from unnest($1::text[], $2::text[], $3::bigint[], $4::text[])",
            [
              rows.map((r) => r.path),
              rows.map((r) => r.digest),
              rows.map((r) => r.size),
              rows.map((r) => r.ref),
            ],
          );
        }),
      ),
    );
    s.raw.push(t.seconds);
    s.rawRate.push(total / t.seconds);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}
