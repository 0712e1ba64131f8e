import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFsBlobStore } from "@cairn/blobs";
import { JOB_PAYLOAD_SCHEMAS, type JobPayloads } from "@cairn/core";
import { createTestDatabase, type TestDatabase } from "@cairn/db";
import { createInProcessRunner } from "@cairn/jobs";
import { bootstrapAdmin, createServices, type Services } from "@cairn/services";
import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe } from "vitest";
import { appRouter } from "../../root.js";
import { createCallerFactory } from "../../trpc.js";

/** A tRPC caller of the whole API, as one actor. */
export type Caller = ReturnType<typeof createCaller>;

/** A signed-in test user with its key and caller. */
export interface TestUser {
  id: string;
  name: string;
  key: string;
  caller: Caller;
}

/** Real services on a fresh database, a temp-dir blob store and in-process jobs. */
export interface World {
  engine: "pglite" | "postgres";
  services: Services;
  database: TestDatabase;
  /** The site admin (owns `admin/default`). */
  admin: TestUser;
  /** A caller for an API key (authenticated like the HTTP host does), or anonymous for null. */
  callerFor(key: string | null): Promise<Caller>;
  /** Creates a user through `accounts.createUser` (as the admin) and signs in as it. */
  newUser(prefix: string): Promise<TestUser>;
  close(): Promise<void>;
}

const createCaller = createCallerFactory(appRouter);
let counter = 0;

/** A name unique within the test process (entity names: lowercase, digits, `-`). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Builds a {@link World} on one engine. */
export async function createWorld(engine: "pglite" | "postgres"): Promise<World> {
  const database = await createTestDatabase(engine, { url: serviceUrl("postgres") });
  const root = await mkdtemp(join(tmpdir(), "cairn-accounts-test-"));
  const jobs = createInProcessRunner<JobPayloads>({ schemas: JOB_PAYLOAD_SCHEMAS });
  const services = createServices({
    db: database.db,
    blobs: createFsBlobStore({ root }),
    jobs,
    publicUrl: "http://127.0.0.1:1",
    signingSecret: new Uint8Array(32).fill(7),
  });
  const callerFor = async (key: string | null): Promise<Caller> =>
    createCaller({
      services,
      actor: await services.authenticate(key === null ? null : `Bearer ${key}`),
    });
  const seeded = await bootstrapAdmin(database.db);
  if (!seeded) throw new Error("bootstrapAdmin returned null on a fresh database");
  const admin: TestUser = {
    id: seeded.user.id,
    name: seeded.user.name,
    key: seeded.apiKey,
    caller: await callerFor(seeded.apiKey),
  };
  return {
    engine,
    services,
    database,
    admin,
    callerFor,
    async newUser(prefix) {
      const { user, apiKey } = await admin.caller.accounts.createUser({ name: uniqueName(prefix) });
      return { id: user.id, name: user.name, key: apiKey, caller: await callerFor(apiKey) };
    },
    async close() {
      await jobs.close();
      await database.cleanup();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `body` on PGlite and on PostgreSQL (skipped off CI when PostgreSQL is down), with one
 * world per engine shared by the suite's tests (tests use unique names).
 */
export async function describeOnEngines(
  name: string,
  body: (world: () => World) => void,
): Promise<void> {
  const suite = (engine: "pglite" | "postgres") => () => {
    let world: World | undefined;
    beforeAll(async () => {
      world = await createWorld(engine);
    });
    afterAll(async () => {
      await world?.close();
    });
    body(() => {
      if (!world) throw new Error("test world not ready (beforeAll failed)");
      return world;
    });
  };
  describe(`${name} [pglite]`, suite("pglite"));
  await describeWithServices(["postgres"], `${name} [postgres]`, suite("postgres"));
}
