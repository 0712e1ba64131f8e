import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY_FILE, type RunningServer, serverEnvSchema, startServer } from "./index.js";

const silent = pino({ level: "silent" });

function collector(): { write(chunk: string): boolean; text(): string } {
  let text = "";
  return {
    write(chunk: string) {
      text += chunk;
      return true;
    },
    text: () => text,
  };
}

function ping(url: string, apiKey: string): Promise<Response> {
  return fetch(`${url}/trpc/health.ping`, { headers: { authorization: `Bearer ${apiKey}` } });
}

describe("startServer (embedded: PGlite, directory store, in-process jobs)", () => {
  let dataDir: string;
  let first: RunningServer | undefined;
  const env = () =>
    serverEnvSchema.parse({ CAIRN_DATA_DIR: dataDir, CAIRN_PORT: "0", CAIRN_LOG_LEVEL: "silent" });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "cairn-server-"));
  });
  afterAll(async () => {
    await first?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("on first start creates the admin, prints its key once and saves it with mode 0600", async () => {
    const out = collector();
    first = await startServer(env(), { logger: silent, out });
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.publicUrl).toBe(first.url);
    const key = first.adminApiKey;
    expect(key).toMatch(/^cairn_/);
    expect(first.adminKeyFile).toBe(join(dataDir, ADMIN_KEY_FILE));

    const file = await stat(join(dataDir, ADMIN_KEY_FILE));
    expect(file.mode & 0o777).toBe(0o600);
    expect((await readFile(join(dataDir, ADMIN_KEY_FILE), "utf8")).trim()).toBe(key);

    const printed = out.text();
    expect(printed.split(key ?? "-").length - 1).toBe(2); // the key line and the export line
    expect(printed).toContain(`export CAIRN_BASE_URL=${first.publicUrl} CAIRN_API_KEY=${key}`);

    // The key works over HTTP; a wrong one is a 401.
    expect((await ping(first.url, key ?? "")).status).toBe(200);
    expect((await ping(first.url, `cairn_${"B".repeat(12)}_${"y".repeat(43)}`)).status).toBe(401);
    const ready = await fetch(`${first.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("refuses a second server on the same data directory while the first holds it", async () => {
    await expect(startServer(env(), { logger: silent, out: collector() })).rejects.toMatchObject({
      name: "CairnError",
      code: "UNAVAILABLE",
      message: expect.stringMatching(/in use/),
    });
    // The first one is unaffected.
    expect((await fetch(`${first?.url}/healthz`)).status).toBe(200);
  });

  it("restarts on the same directory after a graceful stop without creating another admin", async () => {
    const key = first?.adminApiKey ?? "";
    await first?.stop();
    first = undefined;
    const out = collector();
    first = await startServer(env(), { logger: silent, out });
    expect(first.adminApiKey).toBeNull();
    expect(first.adminKeyFile).toBeNull();
    expect(out.text()).not.toContain(key);
    expect(out.text()).toContain("CAIRN_API_KEY=<your key>");
    expect((await ping(first.url, key)).status).toBe(200);
    expect((await readFile(join(dataDir, ADMIN_KEY_FILE), "utf8")).trim()).toBe(key);
  });
});

describe("startServer configuration errors", () => {
  it("refuses CAIRN_NO_WORKERS without REDIS_URL before opening anything", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "cairn-server-"));
    try {
      const env = serverEnvSchema.parse({
        CAIRN_DATA_DIR: dataDir,
        CAIRN_PORT: "0",
        CAIRN_NO_WORKERS: "true",
      });
      await expect(startServer(env, { logger: silent, out: collector() })).rejects.toMatchObject({
        code: "INVALID_INPUT",
        message: expect.stringMatching(/REDIS_URL/),
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("releases the data directory when a later start-up step fails", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "cairn-server-"));
    try {
      const base = { CAIRN_DATA_DIR: dataDir, CAIRN_PORT: "0", CAIRN_LOG_LEVEL: "silent" };
      const bad = serverEnvSchema.parse({ ...base, CAIRN_BLOB_STORE: "s3" });
      await expect(startServer(bad, { logger: silent, out: collector() })).rejects.toMatchObject({
        code: "INVALID_INPUT",
        message: expect.stringMatching(/CAIRN_S3_BUCKET/),
      });
      const server = await startServer(serverEnvSchema.parse(base), {
        logger: silent,
        out: collector(),
      });
      await server.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("startServer running jobs in-process honours the sweep schedule variables", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function ttlSweepsAfter(extra: Record<string, string>, ms: number): Promise<number> {
    const dataDir = await mkdtemp(join(tmpdir(), "cairn-server-schedules-"));
    dirs.push(dataDir);
    const env = serverEnvSchema.parse({
      CAIRN_DATA_DIR: dataDir,
      CAIRN_PORT: "0",
      CAIRN_LOG_LEVEL: "silent",
      CAIRN_TTL_EXPIRY_INTERVAL: "1s",
      ...extra,
    });
    const server = await startServer(env, { logger: silent, out: collector() });
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
      const counts = await server.services.deps.jobs.counts("ttl-expiry");
      return counts.completed + counts.active + counts.waiting + counts.failed;
    } finally {
      await server.stop();
    }
  }

  it("sweeps at CAIRN_TTL_EXPIRY_INTERVAL, and not at all with CAIRN_NO_SCHEDULES=true", async () => {
    expect(await ttlSweepsAfter({}, 2_600)).toBeGreaterThanOrEqual(1);
    expect(await ttlSweepsAfter({ CAIRN_NO_SCHEDULES: "true" }, 2_600)).toBe(0);
  }, 60_000);
});
