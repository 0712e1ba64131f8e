import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isCairnError } from "@cairn/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cairn } from "../index.js";
import { OutcomeUnknownError } from "./retry.js";
import { createRetryingFetch, REPEATABLE_MUTATIONS } from "./trpc-client.js";

describe("transport", () => {
  let server: Server;
  let base: string;
  let calls = 0;
  let failFirst = 0;
  /** Requests whose connection is destroyed after the whole body was read (an unknown outcome). */
  let dropFirst = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      calls++;
      if (calls <= dropFirst) {
        req.resume();
        req.on("end", () => req.socket.destroy());
        return;
      }
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

  it("retries a repeatable mutation whose connection broke after it was sent", async () => {
    for (const procedure of ["artifacts.log", "artifacts.finish", "blobs.missing"]) {
      calls = 0;
      dropFirst = 1;
      failFirst = 0;
      const f = createRetryingFetch(fetch, { attempts: 3, baseMs: 1 });
      const res = await f(`${base}/trpc/${procedure}?batch=1`, { method: "POST", body: "{}" });
      expect(await res.text()).toBe("ok");
      expect(calls).toBe(2);
    }
    dropFirst = 0;
  });

  it("does not repeat other mutations after the request was sent: the outcome is unknown", async () => {
    for (const url of [
      `${base}/trpc/drafts.upsert?batch=1`,
      // One non-repeatable procedure in a batch makes the whole batch non-repeatable.
      `${base}/trpc/${encodeURIComponent("artifacts.log,aliases.set")}?batch=1`,
    ]) {
      calls = 0;
      dropFirst = 1;
      failFirst = 0;
      const f = createRetryingFetch(fetch, { attempts: 3, baseMs: 1 });
      const error = await f(url, { method: "POST", body: "{}" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutcomeUnknownError);
      expect(calls).toBe(1);
    }
    dropFirst = 0;
  });

  it("lists exactly the mutations that are safe to repeat", () => {
    expect([...REPEATABLE_MUTATIONS].sort()).toEqual([
      "admin.repack",
      "artifacts.finish",
      "artifacts.log",
      "artifacts.relog",
      "blobs.missing",
    ]);
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
