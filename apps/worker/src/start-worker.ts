import {
  createCairnMetrics,
  instrumentProcessors,
  type MetricsServer,
  startMetricsServer,
} from "@cairn/api";
import { createBlobStore, isPackedStore } from "@cairn/blobs";
import { JOB_PAYLOAD_SCHEMAS, type JobPayloads } from "@cairn/core";
import { createDatabase, createPackIndex, migrate } from "@cairn/db";
import { createBullmqRunner } from "@cairn/jobs";
import {
  createProcessors,
  createServices,
  loadSigningSecret,
  scheduleSweeps,
  startDispatcher,
  webhookConfigOf,
} from "@cairn/services";
import type { Logger } from "pino";
import { blobStoreConfigOf, type WorkerEnv } from "./env.js";

/** A running worker; `close()` lets in-flight jobs finish, then releases Redis and PostgreSQL. */
export interface RunningWorker {
  close(): Promise<void>;
}

/**
 * The worker's composition root: PostgreSQL (migrated — safe and locked, so workers may start
 * before the server), the blob store, BullMQ workers for every queue running `createProcessors`
 * (timed into the metrics served at CAIRN_METRICS_PORT), and the periodic sweeps. Schedules have fixed ids, so every worker and server that boots
 * re-registers the same two schedules instead of piling up duplicates.
 */
export async function startWorker(env: WorkerEnv, logger: Logger): Promise<RunningWorker> {
  const database = await createDatabase({
    url: env.DATABASE_URL,
    poolSize: env.CAIRN_DATABASE_POOL_SIZE,
    preparedStatements: env.CAIRN_DATABASE_PREPARE,
    ...(env.CAIRN_DATABASE_SCHEMA === undefined ? {} : { schema: env.CAIRN_DATABASE_SCHEMA }),
  });
  try {
    await migrate(database.db);
    const jobs = createBullmqRunner<JobPayloads>({
      connection: { url: env.REDIS_URL },
      prefix: env.CAIRN_QUEUE_PREFIX,
      schemas: JOB_PAYLOAD_SCHEMAS,
      worker: {
        ...(env.CAIRN_JOB_LOCK_MS === undefined ? {} : { lockDurationMs: env.CAIRN_JOB_LOCK_MS }),
        ...(env.CAIRN_JOB_STALLED_INTERVAL_MS === undefined
          ? {}
          : { stalledIntervalMs: env.CAIRN_JOB_STALLED_INTERVAL_MS }),
      },
      onError: (error, source) => logger.warn({ err: error, source }, "job runner error"),
    });
    // Compaction and repack run in blob-gc; the worker appends to packs of its own.
    const blobs = createBlobStore(blobStoreConfigOf(env), {
      packIndex: createPackIndex(database.db),
    });
    const services = createServices({
      db: database.db,
      blobs,
      jobs,
      publicUrl: env.CAIRN_PUBLIC_URL,
      signingSecret: await loadSigningSecret(database.db),
      logger,
      webhooks: webhookConfigOf(env),
      ...(env.CAIRN_DATABASE_LISTEN ? { notifications: database.notifications } : {}),
    });
    // The server's registry and job timing (`@cairn/api`), so job durations reach Prometheus.
    const metrics = createCairnMetrics({ services });
    await jobs.startWorkers(instrumentProcessors(createProcessors(services), metrics));
    // Finds due webhook deliveries (also those a dead process left) and queues their jobs.
    const dispatcher = startDispatcher(services.deps);
    await scheduleSweeps(jobs, env);
    let metricsServer: MetricsServer | undefined;
    if (env.CAIRN_METRICS_PORT !== undefined) {
      metricsServer = await startMetricsServer(metrics, {
        port: env.CAIRN_METRICS_PORT,
        host: env.CAIRN_METRICS_HOST,
      });
    }
    logger.info(
      {
        prefix: env.CAIRN_QUEUE_PREFIX,
        metricsUrl: metricsServer && `${metricsServer.url}/metrics`,
      },
      "cairn worker ready",
    );
    return {
      async close() {
        await metricsServer?.close();
        await dispatcher.stop();
        await jobs.close();
        if (isPackedStore(blobs)) await blobs.packs.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
