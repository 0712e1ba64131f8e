import { join } from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { adminTrpc, BENCH_ENTITY, BENCH_PROJECT, createBenchProject } from "../lib/cairn.js";
import { referenceEntries } from "../lib/entries.js";
import { createFreshDatabase } from "../lib/postgres.js";
import { spawnServer } from "../lib/processes.js";
import { type Check, row } from "../lib/results.js";
import type { Scenario } from "../lib/scenario.js";
import { percentile, summarize } from "../lib/stats.js";

const CONNECTIONS = 50;
const ENTRIES = 10_000;
const PAGE_LIMIT = 100;
/** Artifacts of the second load: every concurrent request names a different one. */
const DISTINCT = 50;

const ref = { entity: BENCH_ENTITY, project: BENCH_PROJECT };

/** One load measurement. */
interface Load {
  p50: number;
  p99: number;
  rps: number;
  errors: number;
}

/**
 * `alias-resolution`: `artifacts.get` by alias and `artifacts.manifest` pages under 50 concurrent
 * HTTP clients (autocannon, plain GET `/trpc/<procedure>?input=<urlencoded JSON>` as tRPC v11
 * expects for non-batched queries), beside a raw PostgreSQL point query with 50 `pg` clients and
 * the same server's `/healthz` (the HTTP floor: no SQL, no tRPC). The main load asks for one alias
 * (a fleet resolving `model:production`), so identical requests of one event-loop turn share a
 * statement; a second load names 50 different artifacts, so no two concurrent requests are alike
 * (the server still sends the references of one turn as one batched statement).
 */
export const aliasResolution: Scenario = {
  name: "alias-resolution",
  title: "artifacts.get by alias and manifest pages under 50 clients vs raw PostgreSQL",
  async run(ctx) {
    const seconds = ctx.quick ? 3 : 10;
    const database = await createFreshDatabase();
    const server = await spawnServer(join(ctx.workDir, "server"), { DATABASE_URL: database.url });
    const checks: Check[] = [];
    const get: Load[] = [];
    const distinct: Load[] = [];
    const pages: Load[] = [];
    const raw: Load[] = [];
    // The HTTP floor: the same server answering `/healthz` (no SQL, no tRPC) to the same 50
    // connections. Nothing served over HTTP on this machine can beat it.
    const floor: Load[] = [];
    try {
      const trpc = adminTrpc(server.baseUrl, server.apiKey);
      await createBenchProject(trpc);
      const entries = referenceEntries(0, ENTRIES);
      const logged = await trpc.artifacts.log.mutate({
        ...ref,
        name: "model",
        type: "model",
        entries,
        aliases: ["production"],
      });
      // A second version, so "production" (on v0) and "latest" (v1) really differ.
      await trpc.artifacts.log.mutate({
        ...ref,
        name: "model",
        type: "model",
        entries: referenceEntries(1, ENTRIES),
      });

      // Small artifacts for the load in which no two concurrent requests are identical (the
      // server shares one statement between identical reads of an event-loop turn).
      for (let i = 0; i < DISTINCT; i++) {
        await trpc.artifacts.log.mutate({
          ...ref,
          name: `model-${i}`,
          type: "model",
          entries: referenceEntries(i, 1),
          aliases: ["production"],
        });
      }
      const headers = { authorization: `Bearer ${server.apiKey}` };
      const getPath = `/trpc/artifacts.get?input=${encodeURIComponent(JSON.stringify({ ...ref, ref: "model:production" }))}`;
      const probe = await fetch(`${server.baseUrl}${getPath}`, { headers });
      const body = (await probe.json()) as { result?: { data?: { id?: string } } };
      checks.push({
        label: "GET /trpc/artifacts.get?input=… resolves the alias",
        ok: probe.ok && body.result?.data?.id === logged.version.id,
        detail: `HTTP ${probe.status}, id ${body.result?.data?.id}`,
      });
      // Page cursors spread over the manifest: each request asks for a different page.
      const cursors = Array.from({ length: ENTRIES / PAGE_LIMIT }, (_, i) =>
        i === 0 ? undefined : entries[i * PAGE_LIMIT - 1]!.path,
      );
      let k = 0;
      const pagePath = () => {
        const after = cursors[k++ % cursors.length];
        const input = {
          ...ref,
          ref: "model:production",
          limit: PAGE_LIMIT,
          ...(after ? { after } : {}),
        };
        return `/trpc/artifacts.manifest?input=${encodeURIComponent(JSON.stringify(input))}`;
      };
      let d = 0;
      const distinctPath = () =>
        `/trpc/artifacts.get?input=${encodeURIComponent(
          JSON.stringify({ ...ref, ref: `model-${d++ % DISTINCT}:production` }),
        )}`;
      const rawDb = database.url;
      const versionId = logged.version.id;

      for (let rep = 0; rep < ctx.repetitions; rep++) {
        ctx.log(
          `rep ${rep}: artifacts.get (same, distinct), manifest pages, raw pg, /healthz (${seconds} s each)`,
        );
        const steps = [
          async () => get.push(await cannon(server.baseUrl, headers, seconds, () => getPath)),
          async () => distinct.push(await cannon(server.baseUrl, headers, seconds, distinctPath)),
          async () => pages.push(await cannon(server.baseUrl, headers, seconds, pagePath)),
          async () => raw.push(await rawPointQueries(rawDb, versionId, seconds)),
          async () => floor.push(await cannon(server.baseUrl, {}, seconds, () => "/healthz")),
        ];
        // Rotate the order: the first load of a repetition meets the coldest caches.
        for (let i = 0; i < steps.length; i++) await steps[(i + rep) % steps.length]!();
      }
    } finally {
      await server.stop();
      await database.drop();
    }
    const errors = [...get, ...distinct, ...pages].reduce((n, l) => n + l.errors, 0);
    checks.push({
      label: "no failed or non-2xx responses under load",
      ok: errors === 0,
      detail: `${errors} errors`,
    });
    const pick = (loads: Load[], key: keyof Load) => summarize(loads.map((l) => l[key]));
    const pgLabel = "raw pg point query";
    return {
      quick: ctx.quick,
      repetitions: ctx.repetitions,
      params: {
        connections: CONNECTIONS,
        seconds,
        entries: ENTRIES,
        pageLimit: PAGE_LIMIT,
        database: "PostgreSQL",
      },
      rows: [
        row("artifacts.get by alias p50", "ms", pick(get, "p50"), {
          label: pgLabel,
          summary: pick(raw, "p50"),
        }),
        row(
          "artifacts.get by alias p99",
          "ms",
          pick(get, "p99"),
          { label: pgLabel, summary: pick(raw, "p99") },
          // Issue 15's goal: within 1.5× the raw point query's p99 of the same run.
          { of: "ratio", op: "<=", value: 1.5 },
        ),
        row("artifacts.get by alias", "req/s", pick(get, "rps"), {
          label: pgLabel,
          summary: pick(raw, "rps"),
        }),
        row(
          `artifacts.get, ${DISTINCT} different artifacts (no two requests alike) p50`,
          "ms",
          pick(distinct, "p50"),
          {
            label: pgLabel,
            summary: pick(raw, "p50"),
          },
        ),
        row(
          `artifacts.get, ${DISTINCT} different artifacts (no two requests alike) p99`,
          "ms",
          pick(distinct, "p99"),
          {
            label: pgLabel,
            summary: pick(raw, "p99"),
          },
        ),
        row(
          `artifacts.get, ${DISTINCT} different artifacts (no two requests alike)`,
          "req/s",
          pick(distinct, "rps"),
          {
            label: pgLabel,
            summary: pick(raw, "rps"),
          },
        ),
        row(`manifest page (${PAGE_LIMIT} entries) p50`, "ms", pick(pages, "p50"), {
          label: pgLabel,
          summary: pick(raw, "p50"),
        }),
        row(`manifest page (${PAGE_LIMIT} entries) p99`, "ms", pick(pages, "p99"), {
          label: pgLabel,
          summary: pick(raw, "p99"),
        }),
        row(`manifest page (${PAGE_LIMIT} entries)`, "req/s", pick(pages, "rps"), {
          label: pgLabel,
          summary: pick(raw, "rps"),
        }),
        row("HTTP floor: GET /healthz (no SQL, no tRPC) p50", "ms", pick(floor, "p50")),
        row("HTTP floor: GET /healthz (no SQL, no tRPC) p99", "ms", pick(floor, "p99")),
        row("HTTP floor: GET /healthz (no SQL, no tRPC)", "req/s", pick(floor, "rps")),
      ],
      checks,
      notes: [
        `autocannon and the pg clients run in the benchmark process, the server in its own; all share 2 cores, so absolute rates are bounded by the load generator too.`,
      ],
    };
  },
};

async function cannon(
  baseUrl: string,
  headers: Record<string, string>,
  seconds: number,
  path: () => string,
): Promise<Load> {
  const result = await autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    duration: seconds,
    headers,
    requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: path() }) }],
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** 50 `pg` clients, each running a primary-key lookup of the version row in a loop. */
async function rawPointQueries(url: string, versionId: string, seconds: number): Promise<Load> {
  const clients = Array.from(
    { length: CONNECTIONS },
    () => new pg.Client({ connectionString: url }),
  );
  await Promise.all(clients.map((c) => c.connect()));
  const latencies: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  try {
    await Promise.all(
      clients.map(async (client) => {
        while (Date.now() < deadline) {
          const start = process.hrtime.bigint();
          await client.query("select * from versions where id = $1", [versionId]);
          latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rps: latencies.length / seconds,
    errors: 0,
  };
}
