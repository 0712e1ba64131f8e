import { it } from "vitest";
import { createBullmqRunner } from "../index.js";
import { uniquePrefix } from "./test-support.js";
it("debug", async () => {
  for (let i = 0; i < 15; i++) {
  const runner = createBullmqRunner<{ work: { n: number } }>({ connection: { url: "redis://127.0.0.1:6379" }, prefix: uniquePrefix("dbg"), onError: (e, s) => console.log("ERR", s, e.message) });
  const calls: number[] = [];
  const t0 = Date.now();
  await runner.startWorkers({ work: { process: async (_p, ctx) => { calls.push(Date.now() - t0); throw new Error(`boom ${calls.length}`); }, options: { attempts: 2, backoffMs: 10 } } });
  const { jobId } = await runner.enqueue("work", { n: 1 });
  const err = await runner.waitFor("work", jobId, { timeoutMs: 8000 }).catch((e) => e);
  console.log(i, err.name, err.code, calls, await runner.counts("work"));
  await runner.close();
  }
}, 200000);
