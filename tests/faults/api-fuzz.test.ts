import { appRouter } from "@cairn/api";
import { startTestServer, type TestServer } from "@cairn/api/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FuzzRequest, hugeRequestArb, requestArb } from "./api-fuzz.arbitraries.js";
import { reportFigure } from "./figures.js";

const TOTAL = Number(process.env.CAIRN_FAULT_FUZZ_RUNS ?? 10_000);
const HUGE = 20;
const CONCURRENCY = 8;
const SEED = Number(process.env.CAIRN_FAULT_FUZZ_SEED ?? 20261123);

/** What was wrong with one answer, or null when it is a success or a 4xx that explains itself. */
function judge(status: number, text: string): string | null {
  if (status >= 500) return `status ${status}: ${text.slice(0, 300)}`;
  if (status < 400) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `status ${status} without a JSON body: ${text.slice(0, 200)}`;
  }
  const items = Array.isArray(body) ? body : [body];
  for (const item of items as Array<{
    error?: { message?: unknown; data?: { httpStatus?: number } };
  }>) {
    if (!item.error) continue;
    const message = item.error.message;
    if (typeof message !== "string" || message.trim() === "") {
      return `status ${status} without an error message: ${text.slice(0, 200)}`;
    }
    const inner = item.error.data?.httpStatus;
    if (inner !== undefined && inner >= 500) return `batch item ${inner}: ${message}`;
  }
  return null;
}

describe("faults: fuzzed API inputs over HTTP", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ db: "pglite" });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Sends one request; returns the status and the body text. */
  async function send(request: FuzzRequest): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (request.auth === "admin") headers.authorization = `Bearer ${server.adminKey}`;
    if (request.auth === "garbage") headers.authorization = "Bearer cairn_AAAAAAAAAAAA_nope";
    const response = await fetch(`${server.baseUrl}${request.path}`, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    return { status: response.status, text: await response.text() };
  }

  it(`${TOTAL} generated requests: zero 5xx, every rejection a 4xx with a message`, async () => {
    const procedures = Object.entries(
      (appRouter._def as unknown as { procedures: Record<string, { _def: { type: string } }> })
        .procedures,
    );
    const queries = procedures.filter(([, p]) => p._def.type === "query").map(([k]) => k);
    const mutations = procedures.filter(([, p]) => p._def.type === "mutation").map(([k]) => k);
    expect(queries.length).toBeGreaterThan(5);
    expect(mutations.length).toBeGreaterThan(5);

    const requests = [
      ...fc.sample(requestArb(queries, mutations), { numRuns: TOTAL - HUGE, seed: SEED }),
      ...fc.sample(hugeRequestArb(mutations), { numRuns: HUGE, seed: SEED }),
    ];
    const statuses = new Map<string, number>();
    const msByKind = new Map<string, number>();
    const started = Date.now();
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const request = requests[next++] as FuzzRequest;
        let problem: string | null;
        const t0 = Date.now();
        try {
          const { status, text } = await send(request);
          const bucket = `${Math.floor(status / 100)}xx`;
          statuses.set(bucket, (statuses.get(bucket) ?? 0) + 1);
          problem = judge(status, text);
        } catch (error) {
          problem = `no answer: ${String(error)}`;
        }
        msByKind.set(request.kind, (msByKind.get(request.kind) ?? 0) + Date.now() - t0);
        if (problem) {
          failures.push(
            `${request.kind} ${request.method} ${request.path.slice(0, 200)} body=${(request.body ?? "").slice(0, 200)} → ${problem}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // The server is still healthy after the barrage.
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBeLessThan(500);
    reportFigure("api-fuzz", {
      requests: requests.length,
      seed: SEED,
      "2xx": statuses.get("2xx") ?? 0,
      "4xx": statuses.get("4xx") ?? 0,
      "5xx": statuses.get("5xx") ?? 0,
      failures: failures.length,
      seconds: Math.round((Date.now() - started) / 1000),
    });
    if (process.env.CAIRN_FAULT_VERBOSE) console.log(Object.fromEntries(msByKind));
    expect(failures.slice(0, 10), `${failures.length} bad answers`).toEqual([]);
  });

  it("a body above the tRPC size limit is a 413 with a message, not a crash", async () => {
    const body = `{"entries":"${"x".repeat(65 * 1024 * 1024)}"}`;
    const response = await fetch(`${server.baseUrl}/trpc/artifacts.log`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.adminKey}` },
      body,
    });
    const text = await response.text();
    expect(response.status, text.slice(0, 200)).toBe(413);
    expect(judge(response.status, text)).toBeNull();
    reportFigure("api-fuzz-oversized-body", { bytes: body.length, status: response.status });
  });
});
