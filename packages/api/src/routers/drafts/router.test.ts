import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createFsBlobStore } from "@cairn/blobs";
import { JOB_PAYLOAD_SCHEMAS, type JobPayloads } from "@cairn/core";
import { createTestDatabase, type TestDatabase } from "@cairn/db";
import { createInProcessRunner } from "@cairn/jobs";
import { type Actor, createProcessors, createServices, type Services } from "@cairn/services";
import { expectTrpcCode } from "@cairn/vitest-config/expect-code";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCallerFactory, router } from "../../trpc.js";
import { artifactsDraftsRouter } from "./router.js";

// Mounted alone (as `artifacts` in the app router), so this suite does not depend on the routers
// of other artifact concerns; the procedures, middleware and error mapping are the real ones.
const createCaller = createCallerFactory(router({ artifacts: artifactsDraftsRouter }));

function suite(kind: "pglite" | "postgres") {
  let database: TestDatabase;
  let services: Services;
  let root: string;
  let alice: Actor;
  const P = { entity: "alice", project: "main" };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    root = await mkdtemp(join(tmpdir(), "cairn-drafts-api-"));
    const jobs = createInProcessRunner<JobPayloads>({ schemas: JOB_PAYLOAD_SCHEMAS });
    services = createServices({
      db: database.db,
      blobs: createFsBlobStore({ root }),
      jobs,
      publicUrl: "http://127.0.0.1:1",
      signingSecret: randomBytes(32),
    });
    await jobs.startWorkers(createProcessors(services));
    const user = await database.db
      .insertInto("entities")
      .values({ kind: "user", name: "alice" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await database.db.insertInto("projects").values({ entity_id: user.id, name: "main" }).execute();
    alice = { userId: user.id, userName: "alice", isSiteAdmin: false };
  });
  afterAll(async () => {
    await services?.deps.jobs.close();
    await database?.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  async function file(path: string, content: string) {
    const digest = createHash("sha256").update(content).digest("hex");
    await services.blobs.receiveUpload({
      digest,
      size: content.length,
      entityIds: [alice.userId],
      body: Readable.from([Buffer.from(content)]),
    });
    return { path, digest, size: content.length };
  }

  it("upsert → finish → draftStatus long-polls to the committed version", async () => {
    const caller = createCaller({ services, actor: alice });
    const key = { ...P, name: "parts", type: "dataset", distributedId: "job-7" };
    const a = await caller.artifacts.upsert({ ...key, entries: [await file("a.txt", "a")] });
    const b = await caller.artifacts.upsert({ ...key, entries: [await file("b.txt", "b")] });
    expect(b).toEqual({ draftId: a.draftId, seq: 2 });
    expect(
      await caller.artifacts.finish({ ...key, aliases: ["best"], tags: ["nightly"], ttl: "30d" }),
    ).toEqual({ draftId: a.draftId });
    const status = await caller.artifacts.draftStatus({ draftId: a.draftId, waitMs: 10_000 });
    expect(status.status).toBe("finished");
    expect(status.version).toMatchObject({
      version: "v0",
      fileCount: 2,
      aliases: ["best", "latest"],
      tags: ["nightly"],
      ttl: "30d",
    });
    await expectTrpcCode(
      caller.artifacts.upsert({ ...key, entries: [] }),
      "CONFLICT",
      "DRAFT_FINISHED",
    );
  });

  it("validates input and requires a signed-in caller to write", async () => {
    const anonymous = createCaller({ services, actor: null });
    const caller = createCaller({ services, actor: alice });
    await expectTrpcCode(
      anonymous.artifacts.upsert({ ...P, name: "x", type: "t", distributedId: "g", entries: [] }),
      "UNAUTHORIZED",
    );
    await expectTrpcCode(
      caller.artifacts.draftStatus({ draftId: "x", waitMs: 30_000 }),
      "BAD_REQUEST",
    );
    await expectTrpcCode(
      caller.artifacts.finish({ ...P, name: "none", type: "t", distributedId: "g" }),
      "BAD_REQUEST",
      "DRAFT_EMPTY",
    );
    await expectTrpcCode(anonymous.artifacts.draftStatus({ draftId: "missing" }), "NOT_FOUND");
  });
}

describe("artifacts drafts router on PGlite", () => suite("pglite"));
await describeWithServices(["postgres"], "artifacts drafts router on PostgreSQL", () =>
  suite("postgres"),
);
