import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cairn, type CairnOptions } from "@cairn/client";
import { createTestDatabase, type TestDatabase } from "@cairn/db";
import { serviceUrl } from "@cairn/vitest-config/services";
import { type AppProcess, spawnApp, stopApp } from "./processes.js";
import { freePort, type OwnRedis, startOwnRedis } from "./redis-server.js";
import { type CuttableProxy, startCuttableProxy } from "./tcp-proxy.js";

/** Options of {@link startFaultEnv}. */
export interface FaultEnvOptions {
  /** Worker processes. Default 2. */
  workers?: number;
  /** Extra environment for the server process (e.g. an S3 store). */
  serverEnv?: Record<string, string>;
}

/**
 * One deployment whose parts can be broken: a server process (`CAIRN_NO_WORKERS`) on a fixed
 * port, worker processes, a private Redis (AOF) and a cuttable TCP proxy in front of the machine's
 * PostgreSQL (a fresh schema). The machine's own PostgreSQL and Redis are never stopped.
 */
export interface FaultEnv {
  dir: string;
  /** Direct connection to the schema (not through the proxy), for assertions. */
  database: TestDatabase;
  redis: OwnRedis;
  pgProxy: CuttableProxy;
  serverUrl: string;
  adminKey: string;
  server(): AppProcess;
  workers: AppProcess[];
  /** Spawns one more worker (e.g. to replace a killed one). */
  addWorker(): Promise<AppProcess>;
  /** SIGKILLs the server and waits for it to exit. */
  killServer(): Promise<void>;
  /** Starts the server again on the same port, data directory and engines. */
  restartServer(): Promise<void>;
  newCairn(options?: CairnOptions): Cairn;
  close(): Promise<void>;
}

/** Starts the deployment; `close()` removes all of it (schema, Redis, processes, files). */
export async function startFaultEnv(options: FaultEnvOptions = {}): Promise<FaultEnv> {
  const undo: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const step of undo.reverse()) await step().catch(() => {});
    undo.length = 0;
  };
  try {
    const dir = await mkdtemp(join(tmpdir(), "cairn-faults-"));
    undo.push(() => rm(dir, { recursive: true, force: true }));
    const database = await createTestDatabase("postgres");
    undo.push(() => database.cleanup());
    const schema = database.schema as string;
    const redis = await startOwnRedis(dir);
    undo.push(() => redis.close());
    const pgUrl = new URL(serviceUrl("postgres"));
    const pgProxy = await startCuttableProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
    undo.push(() => pgProxy.close());
    const proxiedPg = new URL(pgUrl);
    proxiedPg.hostname = "127.0.0.1";
    proxiedPg.port = String(pgProxy.port);

    const port = await freePort();
    const serverUrl = `http://127.0.0.1:${port}`;
    const shared = {
      REDIS_URL: redis.url,
      CAIRN_QUEUE_PREFIX: "cairn-faults",
      CAIRN_PUBLIC_URL: serverUrl,
      CAIRN_BLOB_STORE: "fs",
      CAIRN_BLOB_DIR: join(dir, "blobs"),
      CAIRN_LOG_LEVEL: "info",
    };
    const serverDb = new URL(proxiedPg);
    // The server reads only DATABASE_URL: the schema goes in as a startup option.
    serverDb.searchParams.set("options", `-c search_path=${schema}`);
    const serverEnv = {
      ...shared,
      DATABASE_URL: serverDb.toString(),
      CAIRN_HOST: "127.0.0.1",
      CAIRN_PORT: String(port),
      CAIRN_DATA_DIR: join(dir, "server"),
      CAIRN_NO_WORKERS: "true",
      CAIRN_SHUTDOWN_TIMEOUT_MS: "2000",
      ...options.serverEnv,
    };
    let server = await spawnApp("server", "server", serverEnv, "cairn server listening");
    undo.push(() => stopApp(server));
    const adminKey = (await readFile(join(dir, "server", "admin-api-key"), "utf8")).trim();

    const workers: AppProcess[] = [];
    let workerCount = 0;
    const addWorker = async () => {
      const n = workerCount++;
      // Lets a test find this worker's backends in pg_stat_activity (what it is blocked on).
      const url = new URL(proxiedPg);
      url.searchParams.set("application_name", `cairn-fault-worker-${n}`);
      const app = await spawnApp(
        "worker",
        `worker-${n}`,
        {
          ...shared,
          ...options.serverEnv,
          DATABASE_URL: url.toString(),
          CAIRN_DATABASE_SCHEMA: schema,
          CAIRN_DATABASE_POOL_SIZE: "4",
          CAIRN_DATA_DIR: join(dir, `worker-${n}`),
          CAIRN_NO_SCHEDULES: "true",
          // Short locks: a killed worker's job is taken over within seconds, not 30 s.
          CAIRN_JOB_LOCK_MS: "2000",
          CAIRN_JOB_STALLED_INTERVAL_MS: "1000",
        },
        "cairn worker ready",
      );
      workers.push(app);
      undo.push(() => stopApp(app, 3_000));
      return app;
    };
    for (let i = 0; i < (options.workers ?? 2); i++) await addWorker();

    let clients = 0;
    const created: Cairn[] = [];
    undo.push(() => Promise.all(created.map((c) => c.close())));
    return {
      dir,
      database,
      redis,
      pgProxy,
      serverUrl,
      adminKey,
      server: () => server,
      workers,
      addWorker,
      async killServer() {
        server.child.kill("SIGKILL");
        await server.exited;
      },
      async restartServer() {
        server = await spawnApp("server", "server", serverEnv, "cairn server listening");
        undo.push(() => stopApp(server));
      },
      newCairn(overrides = {}) {
        const cairn = new Cairn({
          baseUrl: serverUrl,
          apiKey: adminKey,
          entity: "admin",
          project: "default",
          env: {},
          configPath: join(dir, "no-config.json"),
          cacheDir: join(dir, `cache-${clients++}`),
          retry: { attempts: 6, baseMs: 100, maxMs: 1_000 },
          ...overrides,
        });
        created.push(cairn);
        return cairn;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
