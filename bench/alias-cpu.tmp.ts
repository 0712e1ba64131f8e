import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import { adminTrpc, BENCH_ENTITY, BENCH_PROJECT, createBenchProject } from "./lib/cairn.js";
import { referenceEntries } from "./lib/entries.js";
import { createFreshDatabase } from "./lib/postgres.js";
import { spawnServer } from "./lib/processes.js";
const database = await createFreshDatabase();
const server = await spawnServer(join("/tmp/aliasdir-" + Date.now(), "server"), { DATABASE_URL: database.url, ...(process.env.POOL ? { CAIRN_DATABASE_POOL_SIZE: process.env.POOL } : {}) });
const trpc = adminTrpc(server.baseUrl, server.apiKey);
await createBenchProject(trpc);
const ref = { entity: BENCH_ENTITY, project: BENCH_PROJECT };
await trpc.artifacts.log.mutate({ ...ref, name: "model", type: "model", entries: referenceEntries(0, 10000), aliases: ["production"] });
const getPath = `/trpc/artifacts.get?input=${encodeURIComponent(JSON.stringify({ ...ref, ref: "model:production" }))}`;
function cpu() { // ticks by process kind
  const out: Record<string, number> = {};
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const t = Number(f[11]) + Number(f[12]);
      const kind = +pid === server.pid ? "server" : +pid === process.pid ? "bench" : /postgres/.test(cmd) || /postgres/.test(stat) ? "postgres" : "other";
      out[kind] = (out[kind] ?? 0) + t;
    } catch {}
  }
  return out;
}
await autocannon({ url: server.baseUrl, connections: 50, duration: 2, headers: { authorization: `Bearer ${server.apiKey}` }, requests: [{ method: "GET", path: getPath }] });
const a = cpu(); const t0 = Date.now();
const r = await autocannon({ url: server.baseUrl, connections: 50, duration: 8, headers: { authorization: `Bearer ${server.apiKey}` }, requests: [{ method: "GET", path: getPath }] });
const b = cpu(); const secs = (Date.now() - t0) / 1000;
console.log("rps", r.requests.average, "p50", r.latency.p50, "p99", r.latency.p99);
for (const k of Object.keys(b)) console.log(k, ((b[k]! - (a[k] ?? 0)) / 100 / secs).toFixed(2), "cores");
await server.stop(); await database.drop();
