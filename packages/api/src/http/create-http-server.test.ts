import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BlobStore } from "@cairn/blobs";
import { createServices } from "@cairn/services";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCairnHttpServer } from "../index.js";
import { startTestServer, type TestServer } from "../testing/index.js";
import {
  byteUrl,
  capturingLogger,
  entityId,
  makeBlob,
  openUpload,
} from "./byte-routes.test-helpers.js";

const silent = pino({ level: "silent" });

let shared: TestServer;
beforeAll(async () => {
  shared = await startTestServer();
});
afterAll(async () => {
  await shared?.close();
});

describe("readiness", () => {
  it("answers 503 naming the check that failed", async () => {
    const broken: BlobStore = {
      ...shared.services.deps.blobs,
      has: () => Promise.reject(new Error("bucket unreachable")),
    };
    const services = createServices({ ...shared.services.deps, blobs: broken });
    const host = createCairnHttpServer({ services, logger: silent });
    const { url } = await host.listen(0, "127.0.0.1");
    try {
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as {
        ok: boolean;
        checks: Record<string, { ok: boolean; error?: string }>;
        error: { message: string };
      };
      expect(body.ok).toBe(false);
      expect(body.checks.db?.ok).toBe(true);
      expect(body.checks.jobs?.ok).toBe(true);
      expect(body.checks.blobs).toMatchObject({ ok: false, error: "bucket unreachable" });
      expect(body.error.message).toContain("blobs");
      // Liveness does not depend on the engines.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await host.shutdown();
    }
  });

  it("counts a hung engine as failed after the per-check bound", async () => {
    const hung: BlobStore = { ...shared.services.deps.blobs, has: () => new Promise(() => {}) };
    const services = createServices({ ...shared.services.deps, blobs: hung });
    const host = createCairnHttpServer({ services, logger: silent, readinessTimeoutMs: 100 });
    const { url } = await host.listen(0, "127.0.0.1");
    try {
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { checks: { blobs: { error: string } } };
      expect(body.checks.blobs.error).toMatch(/within 100 ms/);
    } finally {
      await host.shutdown();
    }
  });
});

describe("static web app", () => {
  let webDir: string;
  let url: string;
  let host: ReturnType<typeof createCairnHttpServer>;
  beforeAll(async () => {
    webDir = await mkdtemp(join(tmpdir(), "cairn-web-"));
    await mkdir(join(webDir, "assets"));
    await writeFile(join(webDir, "index.html"), "<!doctype html><title>Cairn</title>");
    await writeFile(join(webDir, "assets", "app.js"), "console.log('cairn')");
    host = createCairnHttpServer({ services: shared.services, logger: silent, webDir });
    ({ url } = await host.listen(0, "127.0.0.1"));
  });
  afterAll(async () => {
    await host?.shutdown();
    await rm(webDir, { recursive: true, force: true });
  });

  it("serves files, and index.html for client routes", async () => {
    const root = await fetch(`${url}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get("content-type")).toMatch(/text\/html/);
    expect(await root.text()).toContain("<title>Cairn</title>");

    const asset = await fetch(`${url}/assets/app.js`);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect(await asset.text()).toBe("console.log('cairn')");

    const route = await fetch(`${url}/acme/vision/artifacts/cats`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain("<title>Cairn</title>");
  });

  it("answers 404 JSON for a missing asset and never escapes the directory", async () => {
    const missing = await fetch(`${url}/assets/gone.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");

    const traversal = await (await fetch(`${url}/..%2F..%2F..%2Fetc%2Fpasswd`)).text();
    expect(traversal).not.toContain("root:");
    expect(traversal).toContain("<title>Cairn</title>");
    const asFile = await fetch(`${url}/..%2F..%2F..%2Fetc%2Fhostname.txt`);
    expect(asFile.status).toBe(404);
  });

  it("still routes the API and health ahead of the web app", async () => {
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
    const ping = await fetch(`${url}/trpc/health.ping`);
    expect(ping.status).toBe(200);
  });
});

describe("access logs", () => {
  it("log method, path, status and duration, and never the byte token", async () => {
    const { logger, lines } = capturingLogger();
    const host = createCairnHttpServer({ services: shared.services, logger });
    const { url } = await host.listen(0, "127.0.0.1");
    try {
      const { digest } = makeBlob(10);
      const getUrl = byteUrl(url, shared.services, { digest, op: "get" });
      const token = new URL(getUrl).searchParams.get("t") ?? "";
      expect((await fetch(getUrl)).status).toBe(404);
      await fetch(`${url}/trpc/health.ping`, {
        headers: { authorization: `Bearer ${shared.adminKey}` },
      });
      await vi.waitFor(() => expect(lines.filter((l) => l.msg === "request")).toHaveLength(2));
      const entries = lines.filter((l) => l.msg === "request");
      expect(entries[0]).toMatchObject({ method: "GET", path: `/blobs/${digest}`, status: 404 });
      expect(entries[1]).toMatchObject({ method: "GET", path: "/trpc/health.ping", status: 200 });
      expect(typeof entries[0]?.ms).toBe("number");
      const all = JSON.stringify(lines);
      expect(all).not.toContain(token.slice(0, 20));
      expect(all).not.toContain(shared.adminKey);
    } finally {
      await host.shutdown();
    }
  });
});

describe("graceful shutdown", () => {
  it("stops accepting, lets an in-flight upload finish, then closes the dependencies", async () => {
    const host = createCairnHttpServer({ services: shared.services, logger: silent });
    const { url, port } = await host.listen(0, "127.0.0.1");
    const admin = await entityId(shared.services, shared.adminName);
    const { bytes, digest } = makeBlob(2_000);
    const upload = openUpload(
      byteUrl(url, shared.services, { digest, op: "put", entityId: admin, size: 2_000 }),
      2_000,
    );
    upload.write(bytes.subarray(0, 1_000));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const order: string[] = [];
    const closing = host.shutdown({
      timeoutMs: 5_000,
      closeDeps: async () => {
        // Dependencies close only once the in-flight upload has been stored.
        order.push(
          (await shared.services.deps.blobs.has(digest)) ? "deps after upload" : "deps too early",
        );
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // New connections are refused while the upload is still in flight.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(order).toEqual([]);

    upload.write(bytes.subarray(1_000));
    upload.end();
    const answer = await upload.response;
    await closing;
    expect(answer.status).toBe(200);
    expect(order).toEqual(["deps after upload"]);
    expect(await shared.services.deps.blobs.has(digest)).toBe(true);
  });

  it("cuts a request still running after the bound", async () => {
    const host = createCairnHttpServer({ services: shared.services, logger: silent });
    const { url } = await host.listen(0, "127.0.0.1");
    const admin = await entityId(shared.services, shared.adminName);
    const { bytes, digest } = makeBlob(2_000);
    const stuck = openUpload(
      byteUrl(url, shared.services, { digest, op: "put", entityId: admin, size: 2_000 }),
      2_000,
    );
    stuck.write(bytes.subarray(0, 10));
    const outcome = stuck.response.then(
      () => "answered",
      () => "cut",
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await host.shutdown({ timeoutMs: 200 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await outcome).toBe("cut");
    expect(await shared.services.deps.blobs.has(digest)).toBe(false);
  });
});

describe("protocol", () => {
  it("answers malformed HTTP with a JSON 400", async () => {
    const host = createCairnHttpServer({ services: shared.services, logger: silent });
    const { port } = await host.listen(0, "127.0.0.1");
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port });
        let text = "";
        socket.on("data", (c) => {
          text += c.toString();
        });
        socket.on("end", () => resolve(text));
        socket.on("error", reject);
        socket.write("THIS IS NOT HTTP\r\n\r\n");
      });
      expect(reply).toMatch(/^HTTP\/1\.1 400/);
      expect(reply).toContain('"code":"BAD_REQUEST"');
    } finally {
      await host.shutdown();
    }
  });

  it("speaks HTTPS when given a certificate and key", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cairn-tls-"));
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
        ],
        { stdio: "ignore" },
      );
      const { readFile } = await import("node:fs/promises");
      const cert = await readFile(join(dir, "cert.pem"));
      const key = await readFile(join(dir, "key.pem"));
      const host = createCairnHttpServer({
        services: shared.services,
        logger: silent,
        tls: { cert, key },
      });
      expect(host.protocol).toBe("https");
      const { url } = await host.listen(0, "127.0.0.1");
      try {
        expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const body = await new Promise<string>((resolve, reject) => {
          const req = httpsRequest(`${url}/healthz`, { ca: cert }, (res) => {
            let text = "";
            res.on("data", (c: Buffer) => {
              text += c.toString();
            });
            res.on("end", () => resolve(text));
          });
          req.on("error", reject);
          req.end();
        });
        expect(JSON.parse(body)).toEqual({ ok: true });
      } finally {
        await host.shutdown();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
