import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BlobStore,
  createFsBlobStore,
  createS3BlobStore,
  isPackedStore,
  type PackIndex,
} from "@cairn/blobs";
import { type S3TestServer, startS3TestServer } from "@cairn/blobs/testing";
import { JOB_PAYLOAD_SCHEMAS, type JobPayloads, type Limits } from "@cairn/core";
import { createPackIndex, createTestDatabase } from "@cairn/db";
import { createBullmqRunner, createInProcessRunner } from "@cairn/jobs";
import {
  bootstrapAdmin,
  type CairnJobRunner,
  createProcessors,
  createServices,
  loadSigningSecret,
  type Services,
  startDispatcher,
  type WebhookConfig,
} from "@cairn/services";
import { serviceUrl } from "@cairn/vitest-config/services";
import { createTRPCClient, httpBatchLink, type TRPCClient } from "@trpc/client";
import { CompiledQuery } from "kysely";
import { pino } from "pino";
import { createCairnHttpServer, createNodeServer, listenOn } from "../http/create-http-server.js";
import type { AppRouter } from "../root.js";
import { deleteRedisKeys } from "./redis-cleanup.js";

/** Which real engines a test server runs on. */
export interface TestServerOptions {
  /** In-memory PGlite, or a fresh schema on the test PostgreSQL (`DATABASE_URL`). Default pglite. */
  db?: "pglite" | "postgres";
  /** A temp-dir directory store, or a bucket on a fresh s3rver. Default fs. */
  blobs?: "fs" | "s3";
  /** Small blobs in packs indexed in the test database (as `cairn server` runs). Default false. */
  packs?: boolean;
  /** In-process jobs, or BullMQ on `REDIS_URL` under a unique prefix. Default inprocess. */
  jobs?: "inprocess" | "bullmq";
  /** Run the job processors in this process (default true; false = producer only). */
  workers?: boolean;
  /** pino level of the server's logs. Default "silent". */
  logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** A fake clock for the services (TTL tests). */
  now?: () => Date;
  /** Size limits (defaults: core's DEFAULT_LIMITS). */
  limits?: Partial<Limits>;
  /** Directory of the directory store (default: a fresh temp dir, removed on close). */
  blobRoot?: string;
  /**
   * Webhook delivery settings. Default: loopback allowed (`127.0.0.1/32`, receivers in tests
   * listen there), polling every 50 ms, 100 ms first backoff.
   */
  webhooks?: WebhookConfig;
}

/** The directory of a temp-dir store, or the bucket and endpoint of the s3rver store. */
export type TestBlobLocation =
  | { kind: "fs"; root: string }
  | { kind: "s3"; endpoint: string; bucket: string; region: string; keyPrefix: string };

/** A running Cairn server on 127.0.0.1 and a random port, for HTTP integration tests. */
export interface TestServer {
  /** `http://127.0.0.1:<port>`: tRPC is at `${baseUrl}/trpc`. */
  baseUrl: string;
  /** The bootstrap admin's API key (the admin user is a site admin and owns `<admin>/default`). */
  adminKey: string;
  /** The admin user's name (`admin`). */
  adminName: string;
  /** The composed services behind the server (direct DB/blob access for assertions). */
  services: Services;
  /**
   * Runs raw SQL on the server's database behind its back (fault tests: break a table to cause a
   * server bug, count rows a mutation wrote).
   */
  rawSql<R = Record<string, unknown>>(text: string): Promise<R[]>;
  /** Where the blob store keeps bytes, so tests can tamper with them behind the server's back. */
  blobLocation: TestBlobLocation;
  /** A typed tRPC client signed in as the admin. */
  client: TRPCClient<AppRouter>;
  /** A typed tRPC client for another API key, or anonymous for `null`. */
  clientFor(apiKey: string | null): TRPCClient<AppRouter>;
  /** Stops the server and removes everything it created (schema, temp dirs, bucket, Redis keys). */
  close(): Promise<void>;
}

/**
 * Starts a real Cairn server — the same HTTP host, services and processors as `apps/server` — on
 * the engines named in `options`, bootstrapped with an admin. Every HTTP integration test uses
 * this; call `close()` in `afterAll`. Cleanup runs even when start-up fails half-way.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    cleanups.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, "startTestServer cleanup failed");
  };
  try {
    return await start(options, cleanups, cleanup);
  } catch (error) {
    await cleanup().catch(() => {});
    throw error;
  }
}

async function start(
  options: TestServerOptions,
  cleanups: Array<() => Promise<unknown>>,
  cleanup: () => Promise<void>,
): Promise<TestServer> {
  const logger = pino({ level: options.logLevel ?? "silent" });
  const database = await createTestDatabase(options.db ?? "pglite");
  cleanups.push(() => database.cleanup());

  const packIndex = options.packs ? createPackIndex(database.db) : undefined;
  const { store: blobs, location: blobLocation } = await testBlobStore(
    options.blobs ?? "fs",
    cleanups,
    packIndex,
    options.blobRoot,
  );
  cleanups.push(async () => {
    if (isPackedStore(blobs)) await blobs.packs.close();
  });
  const jobs = testJobRunner(options.jobs ?? "inprocess", cleanups, logger);

  // Bind first: byte URLs embed the public URL, which needs the random port.
  const node = createNodeServer();
  const { url: baseUrl } = await listenOn(node, 0, "127.0.0.1");
  cleanups.push(() => new Promise<void>((resolve) => node.close(() => resolve())));

  const signingSecret = await loadSigningSecret(database.db);
  const services = createServices({
    db: database.db,
    blobs,
    jobs,
    publicUrl: baseUrl,
    signingSecret,
    logger,
    notifications: database.notifications,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    webhooks: options.webhooks ?? {
      policy: { allowedNetworks: ["127.0.0.1/32"] },
      pollMs: 50,
      backoffMs: 100,
    },
  });
  const host = createCairnHttpServer({ services, logger, server: node });
  cleanups.push(() => host.shutdown({ timeoutMs: 2_000 }));
  if (options.workers ?? true) {
    await jobs.startWorkers(createProcessors(services));
    const dispatcher = startDispatcher(services.deps);
    cleanups.push(() => dispatcher.stop());
  }

  const admin = await bootstrapAdmin(database.db);
  if (!admin) throw new Error("bootstrapAdmin returned null on a fresh database");

  const clientFor = (apiKey: string | null): TRPCClient<AppRouter> =>
    createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `${baseUrl}/trpc`,
          headers: () => (apiKey === null ? {} : { authorization: `Bearer ${apiKey}` }),
        }),
      ],
    });

  return {
    baseUrl,
    adminKey: admin.apiKey,
    adminName: admin.user.name,
    services,
    async rawSql<R>(text: string) {
      const result = await database.db.executeQuery<R>(CompiledQuery.raw(text));
      return result.rows as R[];
    },
    blobLocation,
    client: clientFor(admin.apiKey),
    clientFor,
    close: cleanup,
  };
}

async function testBlobStore(
  kind: "fs" | "s3",
  cleanups: Array<() => Promise<unknown>>,
  packIndex: PackIndex | undefined,
  blobRoot?: string,
): Promise<{ store: BlobStore; location: TestBlobLocation }> {
  if (kind === "fs") {
    const root = blobRoot ?? (await mkdtemp(join(tmpdir(), "cairn-test-blobs-")));
    if (blobRoot === undefined) cleanups.push(() => rm(root, { recursive: true, force: true }));
    return {
      store: createFsBlobStore({ root, ...(packIndex ? { packIndex } : {}) }),
      location: { kind: "fs", root },
    };
  }
  const s3: S3TestServer = await startS3TestServer();
  cleanups.push(() => s3.close());
  const location: TestBlobLocation = {
    kind: "s3",
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    region: s3.region,
    keyPrefix: "blobs/",
  };
  // s3rver stores aws-chunked framing verbatim and ignores checksum headers (see STACK.md): the
  // test server's store options ask for checksums only when required.
  const store = createS3BlobStore(
    s3.storeOptions(location.keyPrefix, packIndex ? { packIndex } : {}),
  );
  return { store, location };
}

function testJobRunner(
  kind: "inprocess" | "bullmq",
  cleanups: Array<() => Promise<unknown>>,
  logger: pino.Logger,
): CairnJobRunner {
  if (kind === "inprocess") {
    const runner = createInProcessRunner<JobPayloads>({ schemas: JOB_PAYLOAD_SCHEMAS });
    cleanups.push(() => runner.close());
    return runner;
  }
  const url = serviceUrl("redis");
  const prefix = `cairn-test-${randomUUID().slice(0, 8)}`;
  const runner = createBullmqRunner<JobPayloads>({
    connection: { url },
    prefix,
    schemas: JOB_PAYLOAD_SCHEMAS,
    onError: (error, source) => logger.warn({ err: error, source }, "job runner error"),
  });
  // Registered first, so it runs last: keys are removed after the runner let go of Redis.
  cleanups.push(() => deleteRedisKeys(url, prefix));
  cleanups.push(() => runner.close());
  return runner;
}
