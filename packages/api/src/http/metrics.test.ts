import type { Services } from "@cairn/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/index.js";
import { makeBlob } from "./byte-routes.test-helpers.js";
import { createCairnMetrics, routeLabelOf } from "./metrics.js";
import { instrumentProcessors } from "./metrics-instrument.js";

/** The value of one sample line `name{labels} value` of a Prometheus text exposition. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe("/metrics over HTTP", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("serves request latency, queue depth, upload bytes and the dedup ratio in Prometheus text", async () => {
    const project = { entity: server.adminName, project: "default" };
    const a = makeBlob(100);
    const b = makeBlob(50);
    const blobs = [
      { digest: a.digest, size: 100 },
      { digest: b.digest, size: 50 },
    ];
    const first = await server.client.blobs.missing.mutate({ ...project, blobs });
    expect(first.missing).toHaveLength(2);
    const target = first.missing.find((m) => m.digest === a.digest)?.upload;
    if (target?.kind !== "put") throw new Error("expected a single PUT target");
    const put = await fetch(target.url, {
      method: "PUT",
      headers: target.headers,
      body: a.bytes,
    });
    expect(put.status).toBeLessThan(300);
    // a is owned now: only b (50 of 150 bytes) is missing again.
    const second = await server.client.blobs.missing.mutate({ ...project, blobs });
    expect(second.missing.map((m) => m.digest)).toEqual([b.digest]);

    const res = await fetch(`${server.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();

    expect(sample(text, "cairn_dedup_checked_bytes_total")).toBe(300);
    expect(sample(text, "cairn_dedup_skipped_bytes_total")).toBe(100);
    expect(sample(text, "cairn_dedup_ratio")).toBeCloseTo(1 / 3, 5);
    expect(sample(text, 'cairn_upload_bytes_total{via="server"}')).toBe(100);
    expect(
      sample(
        text,
        'cairn_http_request_duration_seconds_count{route="trpc:blobs.missing",method="POST",status="200"}',
      ),
    ).toBe(2);
    expect(
      sample(
        text,
        'cairn_http_request_duration_seconds_count{route="blobs",method="PUT",status="200"}',
      ),
    ).toBe(1);
    expect(text).toContain("# TYPE cairn_http_request_duration_seconds histogram");
    // Queue depth: every queue's states, read from the job engine on scrape.
    for (const queue of ["upsert", "finish", "ttl-expiry", "blob-gc", "blob-verify"]) {
      expect(sample(text, `cairn_queue_jobs{queue="${queue}",state="waiting"}`)).toBe(0);
      expect(sample(text, `cairn_queue_jobs{queue="${queue}",state="failed"}`)).toBe(0);
    }
  });

  it("refuses other methods with 405 and observes its own scrapes", async () => {
    const res = await fetch(`${server.baseUrl}/metrics`, { method: "POST" });
    expect(res.status).toBe(405);
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(
      sample(
        text,
        'cairn_http_request_duration_seconds_count{route="metrics",method="POST",status="405"}',
      ),
    ).toBe(1);
  });
});

describe("metrics helpers", () => {
  it("labels routes with bounded cardinality", () => {
    expect(routeLabelOf("/trpc/artifacts.log")).toBe("trpc:artifacts.log");
    expect(routeLabelOf("/trpc/artifacts.get,artifacts.manifest")).toBe("trpc:batch");
    expect(routeLabelOf("/trpc/%2e%2e/whatever")).toBe("trpc:unknown");
    expect(routeLabelOf(`/blobs/${"a".repeat(64)}`)).toBe("blobs");
    expect(routeLabelOf("/readyz")).toBe("readyz");
    expect(routeLabelOf("/bundles/put")).toBe("bundles/put");
    expect(routeLabelOf("/bundles/get")).toBe("bundles/get");
    expect(routeLabelOf("/bundles/other")).toBe("other");
    expect(routeLabelOf("/some/page")).toBe("other");
  });

  it("times wrapped processors by queue and outcome, passing results and errors through", async () => {
    const jobs = {
      counts: async () => ({ waiting: 3, delayed: 0, active: 1, failed: 0, completed: 0 }),
    };
    const metrics = createCairnMetrics({
      services: { deps: { jobs } } as unknown as Pick<Services, "deps">,
    });
    const wrapped = instrumentProcessors<
      { upsert: { n: number }; finish: { n: number } },
      { upsert: unknown; finish: unknown }
    >(
      {
        upsert: { process: async (p) => p.n * 2, options: { concurrency: 3 } },
        finish: async () => {
          throw new Error("boom");
        },
      },
      metrics,
    );
    const upsert = wrapped.upsert;
    if (!upsert || typeof upsert === "function") throw new Error("registration lost");
    expect(upsert.options).toEqual({ concurrency: 3 });
    expect(await upsert.process({ n: 21 }, { jobId: "j", attempt: 1 })).toBe(42);
    const finish = wrapped.finish;
    if (typeof finish !== "function") throw new Error("bare function lost");
    await expect(finish({ n: 1 }, { jobId: "k", attempt: 1 })).rejects.toThrow("boom");

    const text = await metrics.render();
    expect(
      sample(text, 'cairn_job_duration_seconds_count{queue="upsert",outcome="completed"}'),
    ).toBe(1);
    expect(sample(text, 'cairn_job_duration_seconds_count{queue="finish",outcome="failed"}')).toBe(
      1,
    );
    expect(sample(text, 'cairn_queue_jobs{queue="upsert",state="waiting"}')).toBe(3);
    expect(sample(text, 'cairn_queue_jobs{queue="finish",state="active"}')).toBe(1);
  });
});
