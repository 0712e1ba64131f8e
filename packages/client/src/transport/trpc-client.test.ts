import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isCairnError } from "@cairn/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cairn } from "../index.js";
import { createRetryingFetch } from "./trpc-client.js";

describe("transport", () => {
  let server: Server;
  let base: string;
  let calls = 0;
  let failFirst = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      calls++;
      if (calls <= failFirst) {
        res.writeHead(503).end("draining");
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("retries 503 answers with backoff, then returns the success", async () => {
    calls = 0;
    failFirst = 2;
    const f = createRetryingFetch(fetch, { attempts: 4, baseMs: 1 });
    const res = await f(base);
    expect(await res.text()).toBe("ok");
    expect(calls).toBe(3);
  });

  it("hands the last 503 on when the attempts are spent", async () => {
    calls = 0;
    failFirst = 10;
    const f = createRetryingFetch(fetch, { attempts: 3, baseMs: 1 });
    expect((await f(base)).status).toBe(503);
    expect(calls).toBe(3);
  });

  it("retries refused connections, then reports an unreachable server as UNAVAILABLE", async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const cairn = new Cairn({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: "cairn_x_y",
      entity: "e",
      project: "p",
      env: {},
      configPath: "/nonexistent/cairn.json",
      retry: { attempts: 3, baseMs: 1 },
      fetch: counting,
    });
    const error = await cairn.init({ jobType: "train" }).catch((e: unknown) => e);
    expect(isCairnError(error, "UNAVAILABLE")).toBe(true);
    expect((error as Error).message).toBe(
      `Cannot reach the Cairn server at http://127.0.0.1:${port}: is it running? (cairn server) Check CAIRN_BASE_URL or the baseUrl option.`,
    );
    expect(attempts).toBe(3);
    await cairn.close();
  });
});
