import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing/index.js";

const hex = (n: number) => n.toString(16).padStart(64, "0");
const P = { entity: "admin", project: "fast" };

/**
 * The fast GET path for hot read queries (src/http/trpc-fast-query.ts) must be indistinguishable
 * from tRPC's own handler. A request carrying `trpc-accept: application/json` is never taken by
 * the fast path, so it yields tRPC's canonical answer to compare with.
 */
describe("fast GET queries answer exactly as tRPC does", () => {
  let server: TestServer;
  const get = async (
    path: string,
    options: { key?: string | null; viaTrpc?: boolean } = {},
  ): Promise<{ status: number; body: unknown; fast: boolean }> => {
    const key = options.key === undefined ? server.adminKey : options.key;
    const headers: Record<string, string> = {};
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (options.viaTrpc) headers["trpc-accept"] = "application/json";
    const response = await fetch(`${server.baseUrl}${path}`, { headers });
    // tRPC streams its body (chunked); the fast path sends a content-length.
    const fast = response.headers.get("content-length") !== null;
    return { status: response.status, body: await response.json(), fast };
  };
  const one = (procedure: string, input: unknown) =>
    `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;
  const batch = (procedures: string[], inputs: unknown[]) =>
    `/trpc/${procedures.join(",")}?batch=1&input=${encodeURIComponent(
      JSON.stringify(Object.fromEntries(inputs.map((input, i) => [String(i), input]))),
    )}`;
  /** Asserts the fast answer to `path` equals tRPC's, and returns it. */
  const same = async (path: string, key?: string | null) => {
    const fast = await get(path, { key });
    const trpc = await get(path, { key, viaTrpc: true });
    expect(trpc.fast).toBe(false);
    expect({ status: fast.status, body: fast.body }).toEqual({
      status: trpc.status,
      body: trpc.body,
    });
    return fast;
  };

  beforeAll(async () => {
    server = await startTestServer();
    await server.client.projects.create.mutate({ ...P, name: P.project, visibility: "private" });
    const entries = Array.from({ length: 5 }, (_, i) => ({
      path: `data/${i}.bin`,
      digest: hex(i + 1),
      size: i + 1,
      // References store no bytes, so nothing has to be uploaded first.
      ref: `https://data.example.com/${i}.bin`,
    }));
    await server.client.artifacts.log.mutate({
      ...P,
      name: "model",
      type: "model",
      entries,
      aliases: ["production"],
    });
    await server.client.artifacts.log.mutate({
      ...P,
      name: "model",
      type: "model",
      entries: entries.slice(1),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("resolves an alias and pages a manifest on the fast path with tRPC's exact answer", async () => {
    const got = await same(one("artifacts.get", { ...P, ref: "model:production" }));
    expect(got.fast).toBe(true);
    expect(got.body).toMatchObject({
      result: { data: { version: "v0", aliases: ["production"] } },
    });
    const page = await same(
      one("artifacts.manifest", { ...P, ref: "model:v1", limit: 2, after: "data/1.bin" }),
    );
    expect(page.fast).toBe(true);
    expect(page.body).toMatchObject({
      result: { data: { entries: [{ path: "data/2.bin" }, { path: "data/3.bin" }] } },
    });
    const both = await same(
      batch(
        ["artifacts.get", "artifacts.entry"],
        [
          { ...P, ref: "model:latest" },
          { ...P, ref: "model:v0", path: "data/0.bin" },
        ],
      ),
    );
    expect(both.fast).toBe(true);
    expect(both.status).toBe(200);
    expect(both.body).toMatchObject([
      { result: { data: { version: "v1" } } },
      { result: { data: { path: "data/0.bin", size: 1 } } },
    ]);
  });

  it("leaves every failure to tRPC: missing versions, hidden projects, bad keys and inputs", async () => {
    const missing = await same(one("artifacts.get", { ...P, ref: "model:nope" }));
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { data: { domainCode: "NOT_FOUND" } } });
    // A private project is invisible to anonymous callers: 404, as if it did not exist.
    const hidden = await same(one("artifacts.get", { ...P, ref: "model:production" }), null);
    expect(hidden.status).toBe(404);
    const badKey = await same(one("artifacts.get", { ...P, ref: "model:v0" }), "cairn_x_y");
    expect(badKey.status).toBe(401);
    const invalid = await same(one("artifacts.manifest", { ...P, ref: "model:v0", limit: 0 }));
    expect(invalid.status).toBe(400);
    const malformed = await same("/trpc/artifacts.get?input=%7Bnot-json");
    expect(malformed.status).toBe(400);
    // One failing call of a batch: tRPC's multi-status answer, both results in order.
    const mixed = await same(
      batch(
        ["artifacts.get", "artifacts.get"],
        [
          { ...P, ref: "model:v0" },
          { ...P, ref: "model:v9" },
        ],
      ),
    );
    expect(mixed.status).toBe(207);
    expect(mixed.body).toMatchObject([
      { result: { data: { version: "v0" } } },
      { error: { data: { code: "NOT_FOUND" } } },
    ]);
  });

  it("does not take procedures outside the hot read list", async () => {
    const ping = await get("/trpc/health.ping");
    expect(ping.status).toBe(200);
    expect(ping.fast).toBe(false);
  });
});
