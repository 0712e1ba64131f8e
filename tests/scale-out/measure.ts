/**
 * Measures per-request costs of the Cairn server on this machine, for docs/capacity.md:
 *
 *   node --conditions=@cairn/source --import tsx tests/scale-out/measure.ts
 *
 * Runs one in-process server on the local PostgreSQL (fresh schema), BullMQ on the local Redis
 * (unique prefix) with its workers, and a directory blob store (so the numbers are Cairn's, not
 * s3rver's). Prints one JSON object of timings and sizes.
 */
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { performance } from "node:perf_hooks";
import { startTestServer } from "@cairn/api/testing";
import { serviceUrl } from "@cairn/vitest-config/services";

const digestOf = (text: string) => createHash("sha256").update(text).digest("hex");

/** One Redis command over RESP (INFO replies with a bulk string). */
function redisInfo(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname || "127.0.0.1", port: Number(port || 6379) });
    let data = "";
    socket.on("error", reject);
    socket.on("connect", () => socket.write("*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n"));
    socket.on("data", (chunk) => {
      data += chunk.toString("utf8");
      const header = /^\$(\d+)\r\n/.exec(data);
      if (header && data.length >= header[0].length + Number(header[1])) {
        socket.end();
        resolve(data);
      }
    });
  });
}
const usedMemory = async (url: string) =>
  Number(/used_memory:(\d+)/.exec(await redisInfo(url))?.[1] ?? Number.NaN);

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: Math.round((performance.now() - started) * 10) / 10, value };
}

const server = await startTestServer({ db: "postgres", blobs: "fs", jobs: "bullmq" });
try {
  const { db } = server.services.deps;
  const project = { entity: server.adminName, project: "default" };
  const admin = await db
    .selectFrom("entities")
    .select("id")
    .where("name", "=", server.adminName)
    .executeTakeFirstOrThrow();

  /** `count` files the admin already owns (rows only: the byte path is measured elsewhere). */
  async function ownedEntries(tag: string, count: number) {
    const entries = Array.from({ length: count }, (_, i) => ({
      path: `${tag}/f${i}.bin`,
      digest: digestOf(`${tag}-${i}`),
      size: 1000 + i,
    }));
    for (let i = 0; i < count; i += 5000) {
      const batch = entries.slice(i, i + 5000);
      await db
        .insertInto("blobs")
        .values(batch.map((e) => ({ digest: e.digest, size: e.size })))
        .execute();
      await db
        .insertInto("blob_owners")
        .values(batch.map((e) => ({ entity_id: admin.id, digest: e.digest })))
        .execute();
    }
    return entries;
  }

  const results: Record<string, unknown> = {};
  const log1k = await ownedEntries("log1k", 1000);
  await server.client.artifacts.log.mutate({
    ...project,
    name: "warm",
    type: "d",
    entries: log1k.slice(0, 10),
  });
  const logs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const entries = log1k.map((e) => ({ ...e, path: `${e.path}.${r}` }));
    logs.push(
      (
        await timed(() =>
          server.client.artifacts.log.mutate({ ...project, name: "log1k", type: "d", entries }),
        )
      ).ms,
    );
  }
  results.log_1000_entries_ms = logs;

  const big = await ownedEntries("big", 10_000);
  results.missing_10000_owned_ms = (
    await timed(() =>
      server.client.blobs.missing.mutate({
        ...project,
        blobs: big.map(({ digest, size }) => ({ digest, size })),
      }),
    )
  ).ms;

  const upserts: number[] = [];
  const redisBefore = await usedMemory(serviceUrl("redis"));
  for (let page = 0; page < 10; page++) {
    const entries = big.map((e) => ({ ...e, path: `p${page}/${e.path}` }));
    upserts.push(
      (
        await timed(() =>
          server.client.artifacts.upsert.mutate({
            ...project,
            name: "big",
            type: "d",
            distributedId: "measure",
            entries,
          }),
        )
      ).ms,
    );
  }
  results.upsert_10000_entries_ms = upserts;
  const finish = await timed(async () => {
    const { draftId } = await server.client.artifacts.finish.mutate({
      ...project,
      name: "big",
      type: "d",
      distributedId: "measure",
    });
    for (;;) {
      const status = await server.client.artifacts.draftStatus.query({ draftId, waitMs: 20_000 });
      if (status.status === "finished" || status.status === "failed") return status;
    }
  });
  results.finish_100000_entries_ms = finish.ms;
  results.finish_status = finish.value.status;
  results.redis_used_memory_delta_bytes_after_11_jobs =
    (await usedMemory(serviceUrl("redis"))) - redisBefore;

  const gets: number[] = [];
  for (let i = 0; i < 200; i++)
    gets.push(
      (await timed(() => server.client.artifacts.get.query({ ...project, ref: "big:latest" }))).ms,
    );
  gets.sort((a, b) => a - b);
  results.get_ms_p50_p95 = [gets[100], gets[190]];
  const page = await timed(() =>
    server.client.artifacts.manifest.query({ ...project, ref: "big:latest", limit: 10_000 }),
  );
  results.manifest_page_10000_ms = page.ms;

  // Sizes from PostgreSQL itself (the schema is on this connection's search_path).
  const relationBytes = async (table: string) => {
    const row = await db
      .selectNoFrom((eb) => eb.fn<string>("pg_total_relation_size", [eb.val(table)]).as("bytes"))
      .executeTakeFirstOrThrow();
    return Number(row.bytes);
  };
  const countOf = async (table: "manifest_entries" | "blobs") => {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  const entryRows = await countOf("manifest_entries");
  results.manifest_entries_rows = entryRows;
  results.manifest_entries_bytes_per_row = Math.round(
    (await relationBytes("manifest_entries")) / entryRows,
  );
  results.blob_and_owner_bytes_per_blob = Math.round(
    ((await relationBytes("blobs")) + (await relationBytes("blob_owners"))) /
      (await countOf("blobs")),
  );
  results.redis_bytes_per_waiting_job = await redisBytesPerJob(2000);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} finally {
  await server.close();
}

/** Redis memory per queued job: `count` upsert jobs on a producer-only runner, nobody runs them. */
async function redisBytesPerJob(count: number): Promise<number> {
  const producer = await startTestServer({ db: "pglite", jobs: "bullmq", workers: false });
  try {
    const { jobs } = producer.services.deps;
    await jobs.enqueue("upsert", { draftId: "warm-up", seq: 1 });
    const before = await usedMemory(serviceUrl("redis"));
    for (let i = 0; i < count; i++) await jobs.enqueue("upsert", { draftId: `d${i}`, seq: i + 1 });
    return Math.round(((await usedMemory(serviceUrl("redis"))) - before) / count);
  } finally {
    await producer.close();
  }
}
