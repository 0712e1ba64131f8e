import { createHash, randomBytes } from "node:crypto";
import { startTestServer, type TestServer } from "@cairn/api/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportFigure } from "./figures.js";

const TOTAL = Number(process.env.CAIRN_FAULT_LIMIT_RUNS ?? 400);
const SEED = Number(process.env.CAIRN_FAULT_FUZZ_SEED ?? 20261123);
const LIMITS = {
  metadataBytes: 4096,
  descriptionBytes: 512,
  tagCount: 5,
  anonymousBodyBytes: 2048,
  listPageBytes: 8192,
};

/** One generated call against the limits of issue 14 (trust boundary). */
type LimitCall =
  | { kind: "log-metadata"; bytes: number }
  | { kind: "update"; description: number; tags: number; ttl: boolean }
  | { kind: "anonymous-body"; bytes: number; path: string; chunked: boolean }
  | { kind: "list"; includeMetadata: boolean; limit: number }
  | { kind: "conflict"; depth: number }
  | { kind: "declared-size"; size: number }
  | { kind: "complete"; size: number; multipart: boolean };

const callArb: fc.Arbitrary<LimitCall> = fc.oneof(
  fc.record({ kind: fc.constant("log-metadata" as const), bytes: fc.nat(12_000) }),
  fc.record({
    kind: fc.constant("update" as const),
    description: fc.nat(2_000),
    tags: fc.nat(12),
    ttl: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("anonymous-body" as const),
    bytes: fc.nat(200_000),
    path: fc.constantFrom("artifacts.log", "artifacts.listVersions", "blobs.missing", "nope"),
    chunked: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("list" as const),
    includeMetadata: fc.boolean(),
    limit: fc.integer({ min: 1, max: 1000 }),
  }),
  fc.record({ kind: fc.constant("conflict" as const), depth: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant("declared-size" as const), size: fc.nat(100_000) }),
  fc.record({ kind: fc.constant("complete" as const), size: fc.nat(1e9), multipart: fc.boolean() }),
);

describe("faults: fuzzed calls against the trust-boundary limits", () => {
  let server: TestServer;
  let where: { entity: string; project: string };
  let blob: { digest: string; size: number };
  beforeAll(async () => {
    server = await startTestServer({ db: "pglite", limits: LIMITS });
    where = { entity: server.adminName, project: "default" };
    const bytes = randomBytes(300);
    blob = { digest: createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
    const plan = await server.client.blobs.missing.mutate({ ...where, blobs: [blob] });
    for (const m of plan.missing) {
      if (m.upload.kind === "put") await fetch(m.upload.url, { method: "PUT", body: bytes });
    }
    for (let i = 0; i < 3; i++) {
      await server.client.artifacts.log.mutate({
        ...where,
        name: "limits",
        type: "d",
        metadata: { i, pad: "m".repeat(3000) },
        entries: [{ path: `f${i}.bin`, ...blob }],
      });
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  async function post(path: string, input: unknown, auth = true) {
    const response = await fetch(`${server.baseUrl}/trpc/${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(auth ? { authorization: `Bearer ${server.adminKey}` } : {}),
      },
      body: JSON.stringify(input),
    });
    return { status: response.status, text: await response.text() };
  }

  async function send(call: LimitCall): Promise<{ status: number; text: string }> {
    switch (call.kind) {
      case "log-metadata":
        return post("artifacts.log", {
          ...where,
          name: "fuzz",
          type: "d",
          metadata: { pad: "x".repeat(call.bytes) },
          entries: [{ path: "a.bin", ...blob }],
        });
      case "update":
        return post("artifacts.update", {
          ...where,
          ref: "limits:latest",
          description: "d".repeat(call.description),
          tags: Array.from({ length: call.tags }, (_, i) => `t${i}`),
          ...(call.ttl ? { ttl: "30d" } : {}),
        });
      case "anonymous-body": {
        const body = Buffer.alloc(call.bytes, 0x20);
        const response = await fetch(`${server.baseUrl}/trpc/${call.path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: call.chunked
            ? new ReadableStream({
                start(controller) {
                  controller.enqueue(body);
                  controller.close();
                },
              })
            : body,
          ...(call.chunked ? { duplex: "half" } : {}),
        } as RequestInit);
        return { status: response.status, text: await response.text() };
      }
      case "list": {
        const input = {
          ...where,
          name: "limits",
          includeMetadata: call.includeMetadata,
          limit: call.limit,
        };
        const response = await fetch(
          `${server.baseUrl}/trpc/artifacts.listVersions?input=${encodeURIComponent(JSON.stringify(input))}`,
        );
        const text = await response.text();
        // The page stays bounded in bytes (plus one version's worth: a page holds at least one).
        if (response.status === 200 && text.length > LIMITS.listPageBytes + 4096) {
          return { status: 599, text: `page of ${text.length} bytes over the limit` };
        }
        return { status: response.status, text };
      }
      case "conflict": {
        const deep = Array.from({ length: call.depth }, (_, i) => `d${i}`).join("/");
        return post("artifacts.log", {
          ...where,
          name: "conflict",
          type: "d",
          entries: [
            { path: deep, ...blob },
            { path: `${deep}/inside.bin`, ...blob },
          ],
        });
      }
      case "declared-size":
        return post("artifacts.log", {
          ...where,
          name: "sizes",
          type: "d",
          entries: [{ path: "s.bin", digest: blob.digest, size: call.size }],
        });
      case "complete":
        return post("blobs.complete", {
          ...where,
          digest: blob.digest,
          size: call.size,
          ...(call.multipart
            ? { multipart: { uploadId: "u", parts: [{ partNumber: 1, etag: '"e"' }] } }
            : {}),
        });
    }
  }

  it(`${TOTAL} calls at and past the limits: zero 5xx, every refusal names its limit`, async () => {
    const calls = fc.sample(callArb, { numRuns: TOTAL, seed: SEED });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const call of calls) {
      const { status, text } = await send(call);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500)
        failures.push(`${JSON.stringify(call).slice(0, 200)} → ${status} ${text.slice(0, 200)}`);
      if (status === 413 && !/limit|at most/i.test(text)) {
        failures.push(`${call.kind} → 413 without naming the limit: ${text.slice(0, 200)}`);
      }
    }
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    reportFigure("api-fuzz-limits", {
      calls: calls.length,
      seed: SEED,
      ...Object.fromEntries([...statuses].map(([s, n]) => [String(s), n])),
      failures: failures.length,
    });
    expect(failures.slice(0, 10), `${failures.length} bad answers`).toEqual([]);
  });
});
