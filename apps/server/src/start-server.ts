import { chmod, mkdir } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import type { Writable } from "node:stream";
import {
  type CairnMetrics,
  createCairnHttpServer,
  createCairnMetrics,
  createNodeServer,
  instrumentProcessors,
  listenOn,
} from "@cairn/api";
import { createBlobStore, isPackedStore } from "@cairn/blobs";
import { CairnError, JOB_PAYLOAD_SCHEMAS, type JobPayloads } from "@cairn/core";
import { createDatabase, createPackIndex, migrate } from "@cairn/db";
import { createBullmqRunner, createInProcessRunner } from "@cairn/jobs";
import {
  bootstrapAdmin,
  type CairnJobRunner,
  createProcessors,
  createServices,
  type Dispatcher,
  loadSigningSecret,
  type Services,
  scheduleSweeps,
  startDispatcher,
  sweepTemporaries,
  webhookConfigOf,
} from "@cairn/services";
import { type Logger, pino } from "pino";
import { writeAdminKeyFile } from "./admin-key-file.js";
import {
  ADMIN_KEY_FILE,
  blobStoreConfigOf,
  databaseConfigOf,
  publicUrlOf,
  tlsOptionsOf,
  webDirOf,
} from "./config.js";
import { limitsOfEnv, type ServerEnv } from "./env.js";

/** Options of {@link startServer} beyond the environment (tests inject these). */
export interface StartServerOptions {
  /** Default: pino at `CAIRN_LOG_LEVEL` on stdout. */
  logger?: Logger;
  /** Where the first-run banner (admin key, client setup) is printed. Default stdout. */
  out?: Pick<Writable, "write">;
}

/** A started server. */
export interface RunningServer {
  /** The address bound, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** What clients use (`CAIRN_PUBLIC_URL` or the bound address). */
  publicUrl: string;
  /** The admin API key created by this start (first start only), else null. */
  adminApiKey: string | null;
  /** Where that key was written (mode 0600), when this start created it. */
  adminKeyFile: string | null;
  services: Services;
  /** Graceful: stops accepting, lets requests finish (bounded), stops jobs, closes the database. */
  stop(): Promise<void>;
}

/**
 * The composition root of `cairn server`: env → database (PostgreSQL, or PGlite in
 * `<data dir>/pg`, locked against a second process) → migrations → blob store → job runner
 * (BullMQ with REDIS_URL, else in-process) → signing secret → services → workers (unless
 * CAIRN_NO_WORKERS) → first-run admin → HTTP(S). Everything opened is closed again if a later
 * step fails, so a refused start leaves no lock or connection behind.
 */
export async function startServer(
  env: ServerEnv,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: env.CAIRN_LOG_LEVEL });
  const out = options.out ?? process.stdout;
  const undo: Array<() => Promise<unknown>> = [];
  const unwind = async () => {
    for (const step of undo.reverse())
      await step().catch((error: unknown) => logger.warn({ err: error }, "cleanup failed"));
    undo.length = 0;
  };
  try {
    if (env.CAIRN_NO_WORKERS && !env.REDIS_URL) {
      throw new CairnError(
        "INVALID_INPUT",
        "CAIRN_NO_WORKERS=true needs REDIS_URL: without Redis, jobs run inside this server and nothing else could run them. Unset one of them.",
      );
    }
    const dataDir = resolve(env.CAIRN_DATA_DIR);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const tls = await tlsOptionsOf(env);

    const database = await createDatabase(databaseConfigOf(env));
    undo.push(() => database.close());
    const migrated = await migrate(database.db);
    logger.info(
      { dialect: database.dialect, migrationsApplied: migrated.applied },
      "database ready",
    );

    const blobConfig = blobStoreConfigOf(env);
    if (blobConfig.kind === "fs") {
      // Private bytes: only the server's user may enter the blob directory, wherever it is.
      await mkdir(blobConfig.root, { recursive: true, mode: 0o700 });
      await chmod(blobConfig.root, 0o700);
    }
    // Small blobs go into packs indexed in this database (docs/storage.md).
    const blobs = createBlobStore(blobConfig, { packIndex: createPackIndex(database.db) });
    undo.push(async () => {
      if (isPackedStore(blobs)) await blobs.packs.close();
    });
    const jobs = createJobRunner(env, logger);
    undo.push(() => jobs.close());
    const signingSecret = await loadSigningSecret(database.db);

    // Bind before composing the services: byte URLs embed the public URL, which needs the real
    // port when CAIRN_PORT=0. Until the API is mounted, early requests get a 503, not a hang.
    const node = createNodeServer(tls);
    const starting = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
      res.end(
        JSON.stringify({
          error: { code: "UNAVAILABLE", message: "Cairn is starting; retry in a second." },
        }),
      );
    };
    node.on("request", starting);
    const { url, port } = await listenOn(node, env.CAIRN_PORT, env.CAIRN_HOST);
    undo.push(() => new Promise<void>((done) => node.close(() => done())));
    const publicUrl = publicUrlOf(env, tls ? "https" : "http", port);

    const services = createServices({
      db: database.db,
      blobs,
      jobs,
      publicUrl,
      signingSecret,
      logger,
      limits: limitsOfEnv(env),
      webhooks: webhookConfigOf(env),
      ...(env.CAIRN_DATABASE_LISTEN ? { notifications: database.notifications } : {}),
    });
    // What killed writes left in the blob store's tmp/ (GC sweeps it too).
    const swept = await sweepTemporaries({ blobs });
    if (swept > 0) logger.info({ removed: swept }, "removed stale temporary uploads");
    // One registry for requests and, when this server runs jobs, their durations too.
    const metrics = createCairnMetrics({ services });
    if (!env.CAIRN_NO_WORKERS) await startWorkers(env, jobs, services, metrics);
    // Queues webhook deliveries right after this server's commits (and any left by dead
    // processes); with CAIRN_NO_WORKERS the worker fleet runs them.
    const dispatcher: Dispatcher = startDispatcher(services.deps);
    undo.push(() => dispatcher.stop());

    const admin = await bootstrapAdmin(database.db, { name: env.CAIRN_ADMIN_NAME });
    const adminKeyFile = admin ? join(dataDir, ADMIN_KEY_FILE) : null;
    if (admin && adminKeyFile) await writeAdminKeyFile(adminKeyFile, admin.apiKey);

    node.off("request", starting);
    const webDir = webDirOf(env);
    const host = createCairnHttpServer({
      services,
      logger,
      server: node,
      metrics,
      ...(webDir === undefined ? {} : { webDir }),
    });
    undo.length = 0; // from here on, stop() owns the cleanup
    logger.info(
      {
        url,
        publicUrl,
        workers: !env.CAIRN_NO_WORKERS,
        jobs: env.REDIS_URL ? "bullmq" : "in-process",
        blobs: blobs.kind,
      },
      "cairn server listening",
    );
    out.write(banner(publicUrl, admin?.user.name ?? null, admin?.apiKey ?? null, adminKeyFile));

    return {
      url,
      publicUrl,
      adminApiKey: admin?.apiKey ?? null,
      adminKeyFile,
      services,
      stop: () =>
        host.shutdown({
          timeoutMs: env.CAIRN_SHUTDOWN_TIMEOUT_MS,
          closeDeps: async () => {
            await dispatcher.stop();
            await jobs.close();
            if (isPackedStore(blobs)) await blobs.packs.close();
            await database.close();
          },
        }),
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

function createJobRunner(env: ServerEnv, logger: Logger): CairnJobRunner {
  if (!env.REDIS_URL) return createInProcessRunner<JobPayloads>({ schemas: JOB_PAYLOAD_SCHEMAS });
  return createBullmqRunner<JobPayloads>({
    connection: { url: env.REDIS_URL },
    prefix: env.CAIRN_QUEUE_PREFIX,
    schemas: JOB_PAYLOAD_SCHEMAS,
    onError: (error, source) => logger.error({ err: error, source }, "job runner error"),
  });
}

/** Runs the processors here and schedules the periodic sweeps as a worker does (`CAIRN_NO_SCHEDULES`, intervals). */
async function startWorkers(
  env: ServerEnv,
  jobs: CairnJobRunner,
  services: Services,
  metrics: CairnMetrics,
): Promise<void> {
  await jobs.startWorkers(instrumentProcessors(createProcessors(services), metrics));
  await scheduleSweeps(jobs, env);
}

function banner(
  publicUrl: string,
  adminName: string | null,
  apiKey: string | null,
  keyFile: string | null,
): string {
  const lines = ["", `Cairn is serving at ${publicUrl}`];
  if (apiKey && keyFile) {
    lines.push(
      "",
      `First start: created the site admin "${adminName}". Its API key is shown only this once`,
      `(also saved to ${keyFile}, readable by you only):`,
      "",
      `  ${apiKey}`,
      "",
      "Point the client at this server:",
      "",
      `  export CAIRN_BASE_URL=${publicUrl} CAIRN_API_KEY=${apiKey}`,
    );
  } else {
    lines.push(
      "",
      "Point the client at this server:",
      "",
      `  export CAIRN_BASE_URL=${publicUrl} CAIRN_API_KEY=<your key>`,
    );
  }
  return `${lines.join("\n")}\n\n`;
}
