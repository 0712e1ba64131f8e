import { setMaxListeners } from "node:events";
import { join } from "node:path";
import { createCairnTrpcClient } from "@cairn/client/internal";
import pg from "pg";
import { adminTrpc, BENCH_ENTITY, BENCH_PROJECT, createBenchProject } from "../lib/cairn.js";
import { referenceEntries } from "../lib/entries.js";
import { createFreshDatabase } from "../lib/postgres.js";
import { spawnServer } from "../lib/processes.js";
import { type Check, row } from "../lib/results.js";
import type { Scenario } from "../lib/scenario.js";
import { summarize } from "../lib/stats.js";

const ref = { entity: BENCH_ENTITY, project: BENCH_PROJECT };
/** Concurrent requests while creating the drafts (not what is measured). */
const SETUP_CONCURRENCY = 50;
/**
 * Head start before the window: the setup's statistics arrive ~10–12 s after the waiters start
 * (PostgreSQL's 10 s idle statistics interval), so the window opens after that; 15 s + an 8 s
 * window stay inside the waiters' 25 s wait.
 */
const STATS_SETTLE_MS = 15_000;

type Mode = "notify" | "poll";

/**
 * `waiting-writers`: N writers each long-poll `artifacts.draftStatus` on their own open draft
 * (the client's wait after `finish`), and the database's load is read from PostgreSQL while they
 * wait: committed transactions per second in the server's database (`pg_stat_database`; every
 * statement outside a transaction is one). Cairn = waiters woken by LISTEN/NOTIFY (the default);
 * comparison = the same server with `CAIRN_DATABASE_LISTEN=false`, whose waiters poll every
 * ≤ 500 ms (the code before notifications). Each mode gets a fresh database and server.
 */
export const waitingWriters: Scenario = {
  name: "waiting-writers",
  title: "database queries/s of 1,000 writers waiting in draftStatus (PostgreSQL)",
  async run(ctx) {
    const writers = Number(process.env.BENCH_WAITING_WRITERS ?? (ctx.quick ? 100 : 1_000));
    const windowMs = ctx.quick ? 4_000 : 8_000;
    const s: Record<Mode, number[]> = { notify: [], poll: [] };
    const checks: Check[] = [];
    for (let rep = 0; rep < ctx.repetitions; rep++) {
      const order: Mode[] = rep % 2 === 0 ? ["notify", "poll"] : ["poll", "notify"];
      for (const mode of order) {
        ctx.log(`rep ${rep}: ${writers} waiting writers, ${mode}`);
        const measured = await measure(ctx.workDir, `${mode}-${rep}`, mode, writers, windowMs);
        s[mode].push(measured.perSecond);
        checks.push({
          label: `every waiter was still waiting when the window closed (${mode}, rep ${rep})`,
          ok: measured.answeredEarly === 0,
          detail: `${measured.answeredEarly} of ${writers} answered before the end`,
        });
      }
    }
    return {
      quick: ctx.quick,
      repetitions: ctx.repetitions,
      params: { writers, windowSeconds: windowMs / 1000, database: "PostgreSQL" },
      rows: [
        row(
          `database transactions/s while ${writers} writers wait in draftStatus`,
          "xact/s",
          summarize(s.notify),
          { label: "polling (CAIRN_DATABASE_LISTEN=false)", summary: summarize(s.poll) },
        ),
        row("per waiting writer", "xact/s", summarize(s.notify.map((v) => v / writers)), {
          label: "polling (CAIRN_DATABASE_LISTEN=false)",
          summary: summarize(s.poll.map((v) => v / writers)),
        }),
      ],
      checks,
      notes: [
        "Committed transactions of the server's database per second (pg_stat_database.xact_commit delta over the window; statistics are flushed by backends within about a second, so a window of 10 s is accurate to some 10 %). Everything the server does in that time counts, including the webhook dispatcher's own sweeps.",
        "With notifications a waiter reads once, then sleeps until its draft's commit notifies it (5 s fallback poll); polling waiters read 2 statements every ≤ 500 ms.",
      ],
    };
  },
};

async function measure(
  workDir: string,
  label: string,
  mode: Mode,
  writers: number,
  windowMs: number,
): Promise<{ perSecond: number; answeredEarly: number }> {
  const database = await createFreshDatabase();
  const server = await spawnServer(join(workDir, label), {
    DATABASE_URL: database.url,
    ...(mode === "poll" ? { CAIRN_DATABASE_LISTEN: "false" } : {}),
  });
  const abort = new AbortController();
  // Every waiter listens on this one signal.
  setMaxListeners(0, abort.signal);
  try {
    const admin = adminTrpc(server.baseUrl, server.apiKey);
    await createBenchProject(admin);
    // One open draft per writer (its upsert merged by the in-process jobs; never finished).
    const drafts: string[] = [];
    for (let i = 0; i < writers; i += SETUP_CONCURRENCY) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(SETUP_CONCURRENCY, writers - i) }, (_, k) =>
          admin.artifacts.upsert.mutate({
            ...ref,
            name: `waiting-${i + k}`,
            type: "dataset",
            distributedId: `w-${i + k}`,
            entries: referenceEntries(i + k, 1, `w-${i + k}`),
          }),
        ),
      );
      drafts.push(...batch.map((b) => b.draftId));
    }
    let answeredEarly = 0;
    // One client per writer: a shared batch link would merge the waits into one request.
    const waiting = drafts.map((draftId) =>
      createCairnTrpcClient({ baseUrl: server.baseUrl, apiKey: server.apiKey, retry: {} })
        .artifacts.draftStatus.query({ draftId, waitMs: 25_000 }, { signal: abort.signal })
        .then(
          () => {
            if (!abort.signal.aborted) answeredEarly++;
          },
          () => {},
        ),
    );
    // Let every waiter get through authentication and its first read, and let PostgreSQL publish
    // the statistics of that burst: a backend that goes idle reports its transactions up to 10 s
    // later (PGSTAT_IDLE_INTERVAL), so with a 2 s head start the setup's own transactions landed
    // inside the window (measured per second: spikes of 471 and 1,941 in an otherwise 2–5/s
    // window, ~11 s after the waiters started). The window then sees the steady state, whose late
    // reports balance at both ends.
    await new Promise((resolve) => setTimeout(resolve, STATS_SETTLE_MS));
    const before = await commits(database.url, database.name);
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const after = await commits(database.url, database.name);
    const seconds = (performance.now() - started) / 1000;
    abort.abort();
    await Promise.all(waiting);
    return { perSecond: (after - before) / seconds, answeredEarly };
  } finally {
    abort.abort();
    await server.stop();
    await database.drop();
  }
}

/** Committed transactions of one database so far (its statistics as PostgreSQL flushed them). */
async function commits(url: string, name: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "select xact_commit::text as n from pg_stat_database where datname = $1",
      [name],
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}
