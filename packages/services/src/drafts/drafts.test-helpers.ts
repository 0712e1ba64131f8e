import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { type BlobStore, createFsBlobStore } from "@cairn/blobs";
import { JOB_PAYLOAD_SCHEMAS, type JobPayloads, type ManifestEntry } from "@cairn/core";
import { createTestDatabase, type TestDatabase } from "@cairn/db";
import { createInProcessRunner } from "@cairn/jobs";
import { expectCode } from "@cairn/vitest-config/expect-code";
import type { Actor } from "../actor.js";
import { createServices, type Services } from "../create-services.js";
import type { CairnJobRunner } from "../deps.js";
import type { WebhookConfig } from "../events/config.js";
import { createProcessors } from "../processors.js";

/** Services over real engines for the draft and retention suites (test-only). */
export interface DraftTestbed {
  services: Services;
  database: TestDatabase;
  blobs: BlobStore;
  blobRoot: string;
  jobs: CairnJobRunner;
  /** Creates a user entity (and its `<name>/main` project) and returns it as an actor. */
  user(name: string): Promise<Actor>;
  /** Creates a run in the user's `main` project. */
  run(actor: Actor, runId: string): Promise<void>;
  /** Uploads bytes as the entity and returns a file entry at `path`. */
  file(actor: Actor, path: string, content: string): Promise<ManifestEntry>;
  /**
   * Stores many files for the entity at once (bytes in the store, blob and owner rows in batches)
   * — the upload route is not what the many-writer tests measure.
   */
  files(
    actor: Actor,
    files: ReadonlyArray<{ path: string; content: string }>,
  ): Promise<ManifestEntry[]>;
  close(): Promise<void>;
}

/**
 * Builds a testbed. `workers: false` leaves every job queued and never run, so a test can run the
 * processors itself in any order (the in-process runner still dedupes and records them).
 */
export async function createDraftTestbed(
  kind: "pglite" | "postgres",
  options: {
    workers?: boolean;
    now?: () => Date;
    jobs?: CairnJobRunner;
    webhooks?: WebhookConfig;
    /** `false`: no database wake-ups, so `draftStatus` polls (as with CAIRN_DATABASE_LISTEN=false). */
    notifications?: boolean;
  } = {},
): Promise<DraftTestbed> {
  const database = await createTestDatabase(kind);
  const blobRoot = await mkdtemp(join(tmpdir(), "cairn-drafts-"));
  const blobs = createFsBlobStore({ root: blobRoot });
  const jobs = options.jobs ?? createInProcessRunner<JobPayloads>({ schemas: JOB_PAYLOAD_SCHEMAS });
  const services = createServices({
    db: database.db,
    blobs,
    jobs,
    publicUrl: "http://127.0.0.1:1",
    signingSecret: randomBytes(32),
    ...(options.now ? { now: options.now } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    ...(options.notifications === false ? {} : { notifications: database.notifications }),
  });
  if (options.workers ?? true) await jobs.startWorkers(createProcessors(services));
  return {
    services,
    database,
    blobs,
    blobRoot,
    jobs,
    async user(name) {
      const row = await database.db
        .insertInto("entities")
        .values({ kind: "user", name })
        .returning("id")
        .executeTakeFirstOrThrow();
      await database.db
        .insertInto("projects")
        .values({ entity_id: row.id, name: "main" })
        .execute();
      return { userId: row.id, userName: name, isSiteAdmin: false };
    },
    async run(actor, runId) {
      const project = await database.db
        .selectFrom("projects")
        .select("id")
        .where("entity_id", "=", actor.userId)
        .where("name", "=", "main")
        .executeTakeFirstOrThrow();
      await database.db.insertInto("runs").values({ project_id: project.id, id: runId }).execute();
    },
    async file(actor, path, content) {
      const buffer = Buffer.from(content);
      const digest = createHash("sha256").update(buffer).digest("hex");
      await services.blobs.receiveUpload({
        digest,
        size: buffer.length,
        entityIds: [actor.userId],
        body: Readable.from([buffer]),
      });
      return { path, digest, size: buffer.length };
    },
    async files(actor, files) {
      const entries = files.map(({ path, content }) => {
        const buffer = Buffer.from(content);
        return {
          path,
          digest: createHash("sha256").update(buffer).digest("hex"),
          size: buffer.length,
          buffer,
        };
      });
      for (let i = 0; i < entries.length; i += 64) {
        await Promise.all(
          entries.slice(i, i + 64).map((e) => blobs.put(e.digest, e.buffer, { size: e.size })),
        );
      }
      for (let i = 0; i < entries.length; i += 1000) {
        const batch = entries.slice(i, i + 1000);
        await database.db
          .insertInto("blobs")
          .values(batch.map((e) => ({ digest: e.digest, size: e.size, verified: true })))
          .onConflict((oc) => oc.doNothing())
          .execute();
        await database.db
          .insertInto("blob_owners")
          .values(batch.map((e) => ({ entity_id: actor.userId, digest: e.digest, verified: true })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      return entries.map(({ path, digest, size }) => ({ path, digest, size }));
    },
    async close() {
      await jobs.close();
      await database.cleanup();
      await rm(blobRoot, { recursive: true, force: true });
    },
  };
}

export { expectCode };
