import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deleteRedisKeys } from "@cairn/api/testing";
import { type S3TestServer, startS3TestServer } from "@cairn/blobs/testing";
import { Cairn, type CairnOptions } from "@cairn/client";
import { createTestDatabase, type TestDatabase } from "@cairn/db";
import { serviceUrl } from "@cairn/vitest-config/services";
import { type AppProcess, spawnApp, stopApp } from "./processes.js";
import { type RoundRobinProxy, startRoundRobinProxy } from "./proxy.js";

/** Options of {@link startScaleOut}. */
export interface ScaleOutOptions {
  /** Server processes (`CAIRN_NO_WORKERS=true`). Default 2. */
  servers?: number;
  /** Worker processes. Default 3. */
  workers?: number;
}

/** A running deployment: servers and workers as child processes behind a round-robin proxy. */
export interface ScaleOut {
  proxy: RoundRobinProxy;
  servers: Array<AppProcess & { url: string }>;
  workers: AppProcess[];
  /** The one admin key, created by the first server's bootstrap. */
  adminKey: string;
  adminName: string;
  /** Per server: did its start bootstrap an admin (only the first may). */
  bootstrapped: boolean[];
  /** The shared database (its own schema on the local PostgreSQL), for assertions. */
  database: TestDatabase;
  s3: S3TestServer;
  /** Scratch directory, removed by `close()`. */
  dir: string;
  /** A client of the proxy as the admin, in `<admin>/default`, with its own cache. */
  newCairn(options?: CairnOptions): Cairn;
  /**
   * SIGKILLs server `index` (no graceful drain). It stays in the proxy's list, like a crashed
   * upstream before the balancer's health check notices: the proxy must fail over by itself.
   */
  killServer(index: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the scale-out topology on loopback: a fresh PostgreSQL schema, a unique Redis queue
 * prefix, an s3rver bucket, a round-robin proxy, then `servers` server processes (one after the
 * other: the first bootstraps the admin, the others must find it) and `workers` worker
 * processes, all sharing those engines and nothing else.
 */
export async function startScaleOut(options: ScaleOutOptions = {}): Promise<ScaleOut> {
  const undo: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const step of undo.reverse()) await step().catch(() => {});
    undo.length = 0;
  };
  try {
    const dir = await mkdtemp(join(tmpdir(), "cairn-scale-out-"));
    undo.push(() => rm(dir, { recursive: true, force: true }));
    const database = await createTestDatabase("postgres");
    undo.push(() => database.cleanup());
    const schema = database.schema as string;
    const redisUrl = serviceUrl("redis");
    const prefix = `cairn-scale-${randomUUID().slice(0, 8)}`;
    undo.push(() => deleteRedisKeys(redisUrl, prefix));
    const s3 = await startS3TestServer({ bucket: "cairn-scale-out" });
    undo.push(() => s3.close());
    const proxy = await startRoundRobinProxy();
    undo.push(() => proxy.close());

    const baseUrl = serviceUrl("postgres");
    // The server reads only DATABASE_URL: the schema goes in as a startup option.
    const serverDbUrl = new URL(baseUrl);
    serverDbUrl.searchParams.set("options", `-c search_path=${schema}`);
    const shared = {
      REDIS_URL: redisUrl,
      CAIRN_QUEUE_PREFIX: prefix,
      CAIRN_PUBLIC_URL: proxy.url,
      CAIRN_BLOB_STORE: "s3",
      CAIRN_S3_BUCKET: s3.bucket,
      CAIRN_S3_ENDPOINT: s3.endpoint,
      CAIRN_S3_REGION: s3.region,
      CAIRN_S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      CAIRN_S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      CAIRN_S3_FORCE_PATH_STYLE: "true",
      CAIRN_S3_CHECKSUM_MODE: "WHEN_REQUIRED",
      CAIRN_S3_SIGN_CHECKSUM: "false",
      CAIRN_LOG_LEVEL: "info",
    };

    const servers: ScaleOut["servers"] = [];
    const bootstrapped: boolean[] = [];
    let adminKey: string | null = null;
    for (let i = 0; i < (options.servers ?? 2); i++) {
      const dataDir = join(dir, `server-${i}`);
      const app = await spawnApp(
        "server",
        `server-${i}`,
        {
          ...shared,
          DATABASE_URL: serverDbUrl.toString(),
          CAIRN_HOST: "127.0.0.1",
          CAIRN_PORT: "0",
          CAIRN_DATA_DIR: dataDir,
          CAIRN_NO_WORKERS: "true",
          CAIRN_SHUTDOWN_TIMEOUT_MS: "5000",
        },
        "cairn server listening",
      );
      undo.push(() => stopApp(app));
      const listening = app.records().find((r) => r.msg === "cairn server listening");
      servers.push({ ...app, url: String(listening?.url) });
      const key = await readFile(join(dataDir, "admin-api-key"), "utf8").catch(() => null);
      bootstrapped.push(key !== null);
      if (key !== null) adminKey ??= key.trim();
    }
    if (adminKey === null) throw new Error("no server bootstrapped an admin key");
    proxy.setBackends(servers.map((s) => s.url));

    const workers: AppProcess[] = [];
    for (let i = 0; i < (options.workers ?? 3); i++) {
      const app = await spawnApp(
        "worker",
        `worker-${i}`,
        {
          ...shared,
          DATABASE_URL: baseUrl,
          CAIRN_DATABASE_SCHEMA: schema,
          CAIRN_DATABASE_POOL_SIZE: "5",
          CAIRN_DATA_DIR: join(dir, `worker-${i}`),
          // One worker keeps the periodic sweeps; the others only run queued jobs.
          CAIRN_NO_SCHEDULES: i === 0 ? "false" : "true",
        },
        "cairn worker ready",
      );
      workers.push(app);
      undo.push(() => stopApp(app));
    }

    let clients = 0;
    const created: Cairn[] = [];
    undo.push(() => Promise.all(created.map((c) => c.close())));
    const key = adminKey;
    return {
      proxy,
      servers,
      workers,
      adminKey: key,
      adminName: "admin",
      bootstrapped,
      database,
      s3,
      dir,
      newCairn(overrides = {}) {
        const n = clients++;
        const cairn = new Cairn({
          baseUrl: proxy.url,
          apiKey: key,
          entity: "admin",
          project: "default",
          env: {},
          configPath: join(dir, "no-config.json"),
          cacheDir: join(dir, `cache-${n}`),
          // Enough patience to ride out a killed server (connection failures are retried).
          retry: { attempts: 8, baseMs: 50, maxMs: 1_000 },
          ...overrides,
        });
        created.push(cairn);
        return cairn;
      },
      async killServer(index) {
        const server = servers[index];
        if (!server) throw new Error(`no server ${index}`);
        server.child.kill("SIGKILL");
        await server.exited;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
