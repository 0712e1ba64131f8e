import { join } from "node:path";
import type { CairnTrpcClient } from "@cairn/client";
import { adminTrpc, BENCH_ENTITY, BENCH_PROJECT, createBenchProject } from "../lib/cairn.js";
import { referenceEntries, waitForDraft } from "../lib/entries.js";
import { createFreshDatabase, type FreshDatabase } from "../lib/postgres.js";
import { createPrng } from "../lib/prng.js";
import { spawnServer } from "../lib/processes.js";
import { type Check, row } from "../lib/results.js";
import type { Scenario, ScenarioContext } from "../lib/scenario.js";
import { percentile, summarize, timed } from "../lib/stats.js";

/** Entries per request: the API's limit, and what the client sends per upsert page. */
const PAGE = 10_000;
const LOOKUPS = 200;
const PAGE_FETCHES = 10;
/**
 * The 1M-entry commit runs in the first repetition only: on 2 shared cores it takes minutes per
 * engine, and three of them would blow the suite's 15-minute budget. Its spread is then one sample.
 */
const LARGE_REPETITIONS = 1;

type Engine = "pglite" | "postgres";

/** Per-engine samples (seconds, milliseconds where named). */
interface EngineSamples {
  commitSmall: number[];
  upsertLarge: number[];
  finishLarge: number[];
  commitLarge: number[];
  lookupP50Ms: number[];
  lookupP99Ms: number[];
  pageMs: number[];
}

const ref = { entity: BENCH_ENTITY, project: BENCH_PROJECT };

/**
 * `commit-manifest`: commits a 10,000-entry manifest (one `artifacts.log`) and a large one
 * (1,000,000 entries through upsert pages + finish, as the client does) on embedded PGlite and on
 * PostgreSQL; then one-path lookups and 10,000-entry manifest pages of the large version.
 */
export const commitManifest: Scenario = {
  name: "commit-manifest",
  title: "commit 10k and 1M-entry manifests, lookups and pages: PGlite vs PostgreSQL",
  async run(ctx) {
    const large = ctx.quick ? 50_000 : 1_000_000;
    const samples: Record<Engine, EngineSamples> = { pglite: empty(), postgres: empty() };
    const checks: Check[] = [];
    for (let rep = 0; rep < ctx.repetitions; rep++) {
      const order: Engine[] = rep % 2 === 0 ? ["pglite", "postgres"] : ["postgres", "pglite"];
      for (const engine of order) await measure(ctx, engine, rep, large, samples[engine], checks);
    }
    const pair = (key: keyof EngineSamples) => ({
      cairn: summarize(samples.pglite[key]),
      comparison: { label: "on PostgreSQL", summary: summarize(samples.postgres[key]) },
    });
    const rows = [
      ["commit 10,000 entries (artifacts.log)", "s", "commitSmall"],
      [`${fmtCount(large)} entries: upsert pages`, "s", "upsertLarge"],
      [`${fmtCount(large)} entries: finish → committed`, "s", "finishLarge"],
      [`${fmtCount(large)} entries: total commit`, "s", "commitLarge"],
      ["one-path lookup p50 (artifacts.entry)", "ms", "lookupP50Ms"],
      ["one-path lookup p99", "ms", "lookupP99Ms"],
      ["manifest page of 10,000 (median)", "ms", "pageMs"],
    ] as const;
    const throughput = (s: EngineSamples) => summarize(s.commitLarge.map((t) => large / t));
    return {
      quick: ctx.quick,
      repetitions: ctx.repetitions,
      params: {
        small: PAGE,
        large,
        largeRepetitions: Math.min(LARGE_REPETITIONS, ctx.repetitions),
        page: PAGE,
        lookups: LOOKUPS,
      },
      rows: [
        ...rows.map(([label, unit, key]) => {
          const p = pair(key);
          return row(`${label} — PGlite`, unit, p.cairn, p.comparison);
        }),
        row(
          `${fmtCount(large)} entries committed per second — PGlite`,
          "entries/s",
          throughput(samples.pglite),
          {
            label: "on PostgreSQL",
            summary: throughput(samples.postgres),
          },
        ),
      ],
      checks,
      notes: [
        "Rows compare Cairn on embedded PGlite (Cairn column) with Cairn on PostgreSQL (comparison column); ratio > 1 means PGlite is slower.",
        "Entries are references (no bytes), so only the commit path is measured; each repetition uses a fresh server and database.",
      ],
    };
  },
};

function empty(): EngineSamples {
  return {
    commitSmall: [],
    upsertLarge: [],
    finishLarge: [],
    commitLarge: [],
    lookupP50Ms: [],
    lookupP99Ms: [],
    pageMs: [],
  };
}

async function measure(
  ctx: ScenarioContext,
  engine: Engine,
  rep: number,
  large: number,
  s: EngineSamples,
  checks: Check[],
): Promise<void> {
  let database: FreshDatabase | undefined;
  if (engine === "postgres") database = await createFreshDatabase();
  const server = await spawnServer(
    join(ctx.workDir, `${engine}-${rep}`),
    database ? { DATABASE_URL: database.url } : {},
  );
  try {
    const trpc = adminTrpc(server.baseUrl, server.apiKey);
    await createBenchProject(trpc);
    ctx.log(`rep ${rep} ${engine}: commit ${PAGE}`);
    const small = await timed(() =>
      trpc.artifacts.log.mutate({
        ...ref,
        name: "small",
        type: "dataset",
        entries: referenceEntries(0, PAGE),
      }),
    );
    s.commitSmall.push(small.seconds);
    checks.push({
      label: `10k commit on ${engine} (rep ${rep})`,
      ok: small.value.version.fileCount === PAGE,
      detail: `fileCount ${small.value.version.fileCount}`,
    });

    if (rep >= LARGE_REPETITIONS) return;
    ctx.log(`rep ${rep} ${engine}: commit ${large} through upserts`);
    const version = await commitLarge(trpc, large, s);
    checks.push({
      label: `${large} commit on ${engine} (rep ${rep})`,
      ok: version.fileCount === large,
      detail: `fileCount ${version.fileCount}`,
    });
    await lookups(trpc, large, rep, s);
  } finally {
    await server.stop();
    await database?.drop();
  }
}

async function commitLarge(trpc: CairnTrpcClient, large: number, s: EngineSamples) {
  const draft = { ...ref, name: "large", type: "dataset", distributedId: "bench-large" };
  const start = process.hrtime.bigint();
  // Pages are built just before they are sent (1M entries at once would be ~250 MB of objects).
  // Two in flight, like a client that prepares the next page while the server stores one.
  let next = 0;
  let draftId = "";
  const sender = async () => {
    while (next < large) {
      const from = next;
      next += PAGE;
      const result = await trpc.artifacts.upsert.mutate({
        ...draft,
        entries: referenceEntries(from, Math.min(PAGE, large - from)),
      });
      draftId = result.draftId;
    }
  };
  await Promise.all([sender(), sender()]);
  const upserted = process.hrtime.bigint();
  await trpc.artifacts.finish.mutate(draft);
  const status = await waitForDraft(trpc, draftId);
  const done = process.hrtime.bigint();
  s.upsertLarge.push(Number(upserted - start) / 1e9);
  s.finishLarge.push(Number(done - upserted) / 1e9);
  s.commitLarge.push(Number(done - start) / 1e9);
  if (!status.version) throw new Error("finished draft has no version");
  return status.version;
}

async function lookups(trpc: CairnTrpcClient, large: number, rep: number, s: EngineSamples) {
  const next = createPrng(rep + 1);
  const latencies: number[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const [entry] = referenceEntries(next() % large, 1);
    const t = await timed(() =>
      trpc.artifacts.entry.query({ ...ref, ref: "large:latest", path: entry!.path }),
    );
    if (t.value.path !== entry!.path)
      throw new Error(`lookup of ${entry!.path} returned ${t.value.path}`);
    latencies.push(t.seconds * 1000);
  }
  s.lookupP50Ms.push(percentile(latencies, 50));
  s.lookupP99Ms.push(percentile(latencies, 99));
  const pages: number[] = [];
  for (let i = 0; i < PAGE_FETCHES; i++) {
    // Random cursors: the first page is the cheap case, a page deep in 1M entries the real one.
    const after = i === 0 ? undefined : referenceEntries(next() % (large - PAGE), 1)[0]!.path;
    const t = await timed(() =>
      trpc.artifacts.manifest.query({
        ...ref,
        ref: "large:latest",
        limit: PAGE,
        ...(after ? { after } : {}),
      }),
    );
    if (t.value.entries.length !== PAGE)
      throw new Error(`page had ${t.value.entries.length} entries`);
    pages.push(t.seconds * 1000);
  }
  s.pageMs.push(summarize(pages).median);
}

function fmtCount(n: number): string {
  return n.toLocaleString("en-US");
}
