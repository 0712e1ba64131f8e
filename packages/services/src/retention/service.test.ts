import { createHash } from "node:crypto";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../actor.js";
import { createDraftTestbed, type DraftTestbed } from "../drafts/drafts.test-helpers.js";

const HOUR = 3_600_000;

async function findFile(root: string, digest: string): Promise<string | undefined> {
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.includes(digest)) return join(entry.parentPath, entry.name);
  }
  return undefined;
}

function suite(kind: "pglite" | "postgres") {
  let t: DraftTestbed;
  let alice: Actor;
  let clock = new Date();
  const P = { entity: "alice", project: "main" };
  const sha = (s: string) => createHash("sha256").update(s).digest("hex");

  beforeAll(async () => {
    t = await createDraftTestbed(kind, { workers: false, now: () => clock });
    alice = await t.user("alice");
  });
  afterAll(() => t?.close());

  it("expires versions past their TTL, keeps aliased ones and reports them", async () => {
    clock = new Date();
    const shared = await t.file(alice, "shared.txt", "shared bytes");
    const only0 = await t.file(alice, "only-v0.txt", "only in v0");
    const v0 = await t.services.artifacts.log(alice, {
      ...P,
      name: "ds",
      type: "dataset",
      ttl: "1h",
      entries: [shared, only0],
    });
    const v1 = await t.services.artifacts.log(alice, {
      ...P,
      name: "ds",
      type: "dataset",
      ttl: "1h",
      entries: [shared],
    });
    await t.services.artifacts.log(alice, {
      ...P,
      name: "keep",
      type: "dataset",
      ttl: "none",
      entries: [only0],
    });
    expect(v0.version.expiresAt).not.toBeNull();

    expect(await t.services.retention.expireVersions()).toEqual({ expired: 0, blocked: [] });
    clock = new Date(clock.getTime() + 2 * HOUR);
    const swept = await t.services.retention.expireVersions();
    expect(swept.expired).toBe(1);
    expect(swept.blocked).toEqual([
      { versionId: v1.version.id, name: "ds", version: "v1", aliases: ["latest"] },
    ]);
    expect((await t.services.artifacts.get(alice, { ...P, ref: "ds:v1" })).state).toBe("committed");
    const row = await t.database.db
      .selectFrom("versions")
      .select("state")
      .where("id", "=", v0.version.id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe("deleted");
    const audit = await t.database.db
      .selectFrom("audit_log")
      .select(["action", "from_version"])
      .where("action", "=", "version.expire")
      .execute();
    expect(audit).toEqual([{ action: "version.expire", from_version: "v0" }]);
    // A second sweep finds nothing new to delete.
    expect((await t.services.retention.expireVersions()).expired).toBe(0);
  });

  it("collects only unreferenced blobs past the grace period, keeping in-flight uploads", async () => {
    // "keep" (committed, ttl none) still holds only-v0.txt; ds:v1 holds shared.txt.
    const dead = await t.file(alice, "dead.txt", "referenced by nothing");
    const inDraft = await t.file(alice, "draft.txt", "pending in an open draft");
    await t.services.drafts.upsert(alice, {
      ...P,
      name: "wip",
      type: "dataset",
      distributedId: "g",
      entries: [inDraft],
    });
    // An upload in flight: the client asked where to upload (session pending), bytes arrived, no row yet.
    const flying = "bytes of a commit in progress";
    await t.services.blobs.missing(alice, {
      ...P,
      blobs: [{ digest: sha(flying), size: flying.length }],
    });
    await t.blobs.put(sha(flying), Buffer.from(flying));
    // An abandoned upload: bytes without a row or a session.
    const orphan = "abandoned upload";
    await t.blobs.put(sha(orphan), Buffer.from(orphan));

    // Within the grace period nothing goes, even what is unreferenced.
    const early = await t.services.retention.collectGarbage({ graceMs: 24 * HOUR });
    expect(early).toMatchObject({ blobsDeleted: 0, orphansDeleted: 0 });

    const swept = await t.services.retention.collectGarbage({ graceMs: 0 });
    expect(swept).toMatchObject({ blobsDeleted: 1, bytesFreed: dead.size, orphansDeleted: 1 });
    expect(await t.blobs.has(dead.digest)).toBe(false);
    expect(await t.blobs.has(sha(orphan))).toBe(false);
    for (const kept of [sha("shared bytes"), sha("only in v0"), inDraft.digest, sha(flying)]) {
      expect(await t.blobs.has(kept)).toBe(true);
    }
    const owners = await t.database.db
      .selectFrom("blob_owners")
      .select("digest")
      .where("digest", "=", dead.digest)
      .execute();
    expect(owners).toEqual([]);

    // Once the upload session expires, the never-completed upload is garbage too.
    clock = new Date(clock.getTime() + 2 * HOUR);
    const later = await t.services.retention.collectGarbage({ graceMs: 0 });
    expect(later.sessionsExpired).toBe(1);
    expect(later.orphansDeleted).toBe(1);
    expect(await t.blobs.has(sha(flying))).toBe(false);
    expect(await t.blobs.has(inDraft.digest)).toBe(true);
  });

  it("verifies stored blobs and drops ownership of corrupt or missing bytes", async () => {
    const good = await t.file(alice, "good.txt", "good bytes");
    expect(await t.services.retention.verifyBlob({ digest: good.digest })).toEqual({
      digest: good.digest,
      status: "ok",
    });

    const bad = await t.file(alice, "bad.txt", "will rot");
    const path = await findFile(t.blobRoot, bad.digest);
    expect(path).toBeDefined();
    await writeFile(path ?? "", "rotten!!");
    expect(await t.services.retention.verifyBlob({ digest: bad.digest })).toEqual({
      digest: bad.digest,
      status: "mismatch",
    });
    expect(await t.blobs.has(bad.digest)).toBe(false);
    const missing = await t.services.blobs.missing(alice, {
      ...P,
      blobs: [{ digest: bad.digest, size: bad.size ?? 0 }],
    });
    expect(missing.missing.map((m) => m.digest)).toEqual([bad.digest]);

    await t.blobs.delete(good.digest);
    expect(await t.services.retention.verifyBlob({ digest: good.digest })).toEqual({
      digest: good.digest,
      status: "missing",
    });
    const row = await t.database.db
      .selectFrom("blobs")
      .select("verified")
      .where("digest", "=", good.digest)
      .executeTakeFirstOrThrow();
    expect(row.verified).toBe(false);
  });
}

describe("retention on PGlite", () => suite("pglite"));
await describeWithServices(["postgres"], "retention on PostgreSQL", () => suite("postgres"));
