import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/index.js";
import { listenOn } from "./create-http-server.js";
import { createFastQueryRoute } from "./trpc-fast-query.js";
import { createTrpcRoute } from "./trpc-route.js";

/**
 * The fast path's wire format against tRPC's own: the same GET requests go to tRPC's standalone
 * handler (the reference) and to the fast path, whose fallback to tRPC is a trap here — every
 * request below must be answered by the fast path itself, byte for byte as tRPC answers it. A
 * tRPC upgrade that changes the envelope, the error shape or the statuses fails this test.
 */
describe("GET fast path speaks tRPC's wire format", () => {
  let server: TestServer;
  let reference: http.Server;
  let fast: http.Server;
  let referenceUrl = "";
  let fastUrl = "";
  let fellThrough: string[] = [];
  const P = { entity: "admin", project: "default" };

  beforeAll(async () => {
    server = await startTestServer();
    await server.client.artifacts.log.mutate({
      ...P,
      name: "cats",
      type: "dataset",
      aliases: ["production"],
      entries: [
        { path: "a.txt", digest: "etag-a", size: 1, ref: "https://example.com/a" },
        { path: "b.txt", digest: "etag-b", size: 2, ref: "https://example.com/b" },
      ],
    });
    const logger = pino({ level: "silent" });
    reference = http.createServer(
      createTrpcRoute({ services: server.services, logger, fastQueries: false }),
    );
    fast = http.createServer(
      createFastQueryRoute({
        services: server.services,
        trpc: (req: IncomingMessage, res: ServerResponse) => {
          fellThrough.push(req.url ?? "");
          res.writeHead(599).end();
        },
      }),
    );
    referenceUrl = (await listenOn(reference, 0, "127.0.0.1")).url;
    fastUrl = (await listenOn(fast, 0, "127.0.0.1")).url;
  });
  afterAll(async () => {
    await new Promise((resolve) => reference?.close(resolve));
    await new Promise((resolve) => fast?.close(resolve));
    await server?.close();
  });

  const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));
  const get = { ...P, ref: "cats:production" };
  const missing = { ...P, ref: "dogs:latest" };
  const cases: Array<{ label: string; path: string; key?: string | null; status: number }> = [
    { label: "a single success", path: `/trpc/artifacts.get?input=${input(get)}`, status: 200 },
    {
      label: "a batch of successes",
      path: `/trpc/artifacts.get,artifacts.manifest?batch=1&input=${input({
        0: get,
        1: { ...get, limit: 1 },
      })}`,
      status: 200,
    },
    { label: "NOT_FOUND", path: `/trpc/artifacts.get?input=${input(missing)}`, status: 404 },
    {
      label: "invalid input (a zod failure)",
      path: `/trpc/artifacts.get?input=${input({ ...P, ref: "" })}`,
      status: 400,
    },
    { label: "no input at all", path: "/trpc/artifacts.listCollections", status: 400 },
    {
      label: "a mixed batch (207)",
      path: `/trpc/artifacts.get,artifacts.get?batch=1&input=${input({ 0: get, 1: missing })}`,
      status: 207,
    },
    {
      label: "an unknown API key (401 from authentication, for every call of a batch)",
      path: `/trpc/artifacts.get,artifacts.listVersions?batch=1&input=${input({
        0: get,
        1: { ...P, name: "cats" },
      })}`,
      key: "cairn_not-a-real-key",
      status: 401,
    },
    {
      label: "anonymous on a private project",
      path: `/trpc/artifacts.get?input=${input(get)}`,
      key: null,
      status: 404,
    },
  ];

  for (const c of cases) {
    it(`answers ${c.label} exactly as tRPC does`, async () => {
      fellThrough = [];
      const key = c.key === undefined ? server.adminKey : c.key;
      const headers: Record<string, string> =
        key === null ? {} : { authorization: `Bearer ${key}` };
      const [ours, theirs] = await Promise.all([
        fetch(`${fastUrl}${c.path}`, { headers }),
        fetch(`${referenceUrl}${c.path}`, { headers }),
      ]);
      expect(fellThrough).toEqual([]);
      expect(theirs.status).toBe(c.status);
      expect(ours.status).toBe(theirs.status);
      expect(ours.headers.get("content-type")).toBe(theirs.headers.get("content-type"));
      expect(ours.headers.get("vary")).toBe(theirs.headers.get("vary"));
      const [ourBody, theirBody] = await Promise.all([ours.text(), theirs.text()]);
      expect(ourBody).toBe(theirBody);
    });
  }

  it("leaves requests it does not recognise to tRPC, before running anything", async () => {
    fellThrough = [];
    const headers = { authorization: `Bearer ${server.adminKey}` };
    const paths = [
      "/trpc/artifacts.get?input=%7Bnot-json",
      `/trpc/health.ping`,
      `/trpc/artifacts.get?batch=2&input=${input({ 0: get })}`,
    ];
    for (const path of paths) {
      const res = await fetch(`${fastUrl}${path}`, { headers });
      expect(res.status).toBe(599);
    }
    expect(fellThrough).toEqual(paths);
  });
});
