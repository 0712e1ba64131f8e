import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createFsBlobStore } from "@cairn/blobs";
import type { JobPayloads, ProjectVisibility } from "@cairn/core";
import { createTestDatabase } from "@cairn/db";
import { createInProcessRunner } from "@cairn/jobs";
import type { Actor } from "../actor.js";
import { createServices, type Services } from "../create-services.js";

/** A fully wired set of services over real engines, for tests. */
export interface TestServices {
  services: Services;
  /** Creates a user entity and returns it as an actor. */
  user(name: string, options?: { siteAdmin?: boolean }): Promise<Actor>;
  /** Creates a project owned by an entity id. */
  project(entityId: string, name: string, visibility?: ProjectVisibility): Promise<{ id: string }>;
  /** Uploads bytes as `entityId` through the server upload path and returns their digest. */
  upload(entityId: string, bytes: Uint8Array | string): Promise<{ digest: string; size: number }>;
  close(): Promise<void>;
}

/**
 * Services over a real database (`pglite` in memory or a fresh schema on the local PostgreSQL), a
 * directory blob store in a temp dir and the in-process job runner (or one passed in).
 */
export async function createTestServices(
  kind: "pglite" | "postgres",
  options: { publicUrl?: string; now?: () => Date } = {},
): Promise<TestServices> {
  const database = await createTestDatabase(kind);
  const root = await mkdtemp(join(tmpdir(), "cairn-services-"));
  const blobs = createFsBlobStore({ root });
  const jobs = createInProcessRunner<JobPayloads>();
  const services = createServices({
    db: database.db,
    blobs,
    jobs,
    publicUrl: options.publicUrl ?? "http://127.0.0.1:1",
    signingSecret: randomBytes(32),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    services,
    async user(name, opts = {}) {
      const row = await database.db
        .insertInto("entities")
        .values({ kind: "user", name })
        .returning("id")
        .executeTakeFirstOrThrow();
      return { userId: row.id, userName: name, isSiteAdmin: opts.siteAdmin ?? false };
    },
    async project(entityId, name, visibility = "private") {
      return database.db
        .insertInto("projects")
        .values({ entity_id: entityId, name, visibility })
        .returning("id")
        .executeTakeFirstOrThrow();
    },
    async upload(entityId, bytes) {
      const buffer = typeof bytes === "string" ? Buffer.from(bytes) : Buffer.from(bytes);
      const digest = createHash("sha256").update(buffer).digest("hex");
      await services.blobs.receiveUpload({
        digest,
        size: buffer.length,
        entityIds: [entityId],
        body: Readable.from([buffer]),
      });
      return { digest, size: buffer.length };
    },
    async close() {
      await jobs.close();
      await database.cleanup();
      await rm(root, { recursive: true, force: true });
    },
  };
}
