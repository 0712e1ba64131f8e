import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestBlobLocation } from "@cairn/api/testing";
import { type BlobStore, createFsBlobStore, createS3BlobStore } from "@cairn/blobs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHarness, startCliHarness } from "./cli.test-helpers.js";

/** The same directory or bucket prefix without packs: how stores were written before packs. */
function legacyStore(location: TestBlobLocation): BlobStore {
  if (location.kind === "fs") return createFsBlobStore({ root: location.root });
  return createS3BlobStore({
    bucket: location.bucket,
    endpoint: location.endpoint,
    region: location.region,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    forcePathStyle: true,
    checksumMode: "WHEN_REQUIRED",
    signSha256Checksum: false,
  });
}

/** Total bytes of the pack files on disk (fs), else the index's durable lengths (S3 objects). */
async function packBytes(h: CliHarness): Promise<number> {
  const location = h.server.blobLocation;
  if (location.kind === "fs") {
    const dir = join(location.root, "packs");
    let total = 0;
    for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size;
    return total;
  }
  const [row] = await h.server.rawSql<{ n: string | number }>(
    "select coalesce(sum(bytes), 0) as n from packs",
  );
  return Number(row?.n);
}

async function accounting(h: CliHarness) {
  const [row] = await h.server.rawSql<{ n: string | number; bytes: string | number }>(
    "select count(*) as n, coalesce(sum(size), 0) as bytes from blobs",
  );
  const storage = await h.server.client.artifacts.storage.query({
    entity: "admin",
    project: "default",
  });
  return { rows: Number(row?.n), bytes: Number(row?.bytes), storage };
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

for (const blobs of ["fs", "s3"] as const) {
  describe(`cairn admin repack (${blobs} store)`, () => {
    let h: CliHarness;
    beforeAll(async () => {
      h = await startCliHarness({ blobs, packs: true });
    }, 60_000);
    afterAll(async () => {
      await h?.close();
    });

    it("moves blobs stored before packs into packs, compacts the sparse pack, accounting exact", async () => {
      // A folder logged as usual: its small files land in packs.
      const files = new Map<string, Buffer>();
      mkdirSync(join(h.dir, "old/shards"), { recursive: true });
      for (let i = 0; i < 60; i++) files.set(`shards/s${i}.bin`, randomBytes(3000 + i));
      for (const [path, bytes] of files) writeFileSync(join(h.dir, "old", path), bytes);
      const put = await h.cairn(["put", "old", "--name", "legacy", "--type", "dataset"]);
      expect(put.code, put.stderr).toBe(0);

      // Turn 48 of them into what a store from before packs holds: the blob's own file or
      // object and no index entry (the other 12 stay, so their pack is now sparse).
      const legacy = legacyStore(h.server.blobLocation);
      const unpacked = [...files.values()].slice(0, 48);
      for (const bytes of unpacked) await legacy.put(sha256(bytes), bytes);
      const list = unpacked.map((b) => `'${sha256(b)}'`).join(",");
      await h.server.rawSql(`delete from pack_entries where digest in (${list})`);
      for (const bytes of unpacked) expect(await legacy.has(sha256(bytes))).toBe(true);
      const before = await accounting(h);

      const repack = await h.cairn(["admin", "repack", "--grace", "0", "--json"]);
      expect(repack.code, repack.stderr).toBe(0);
      const result = repack.json();
      expect(result).toMatchObject({
        blobsMoved: 48,
        bytesMoved: unpacked.reduce((n, b) => n + b.length, 0),
        corrupt: 0,
        done: true,
      });
      expect(result.packsWritten).toBeGreaterThanOrEqual(1);
      // Exact pack accounting: the reported length is what the store holds.
      expect(result.compaction.bytesAfter).toBe(await packBytes(h));
      if (blobs === "s3") {
        // Every S3 pack is sealed at birth: the sparse one (12 of 60 records live) is rewritten.
        expect(result.compaction).toMatchObject({ packsRewritten: 1, recordsMoved: 12 });
        expect(result.compaction.packsDeleted).toBeGreaterThanOrEqual(1);
        expect(result.compaction.bytesAfter).toBeLessThan(result.compaction.bytesBefore);
      }

      // In packs now, their own files gone; the blobs' rows (storage, GC) are untouched.
      const [indexed] = await h.server.rawSql<{ n: string | number }>(
        "select count(*) as n from pack_entries",
      );
      expect(Number(indexed?.n)).toBe(60);
      for (const bytes of unpacked) expect(await legacy.has(sha256(bytes))).toBe(false);
      expect(await accounting(h)).toEqual(before);

      // Readable and verified after the move.
      const get = await h.cairn(["get", "legacy:latest", "--root", "restored"]);
      expect(get.code, get.stderr).toBe(0);
      for (const [path, bytes] of files) {
        expect(readFileSync(join(h.dir, "restored", path)).equals(bytes), path).toBe(true);
      }
      const verify = await h.cairn(["verify", "legacy:latest", "restored"]);
      expect(verify.code, verify.stdout).toBe(0);

      // Idempotent: nothing left to move.
      const again = await h.cairn(["admin", "repack", "--json"]);
      expect(again.json()).toMatchObject({ blobsMoved: 0, bytesMoved: 0, done: true });
    }, 120_000);

    it("is for site admins only, and checks its flags", async () => {
      const { apiKey } = await h.server.client.accounts.createUser.mutate({ name: `u${blobs}` });
      const refused = await h.cairn(["admin", "repack"], {
        env: { ...h.env, CAIRN_API_KEY: apiKey },
      });
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain("Only site admins");
      const bad = await h.cairn(["admin", "repack", "--batch", "0"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("--batch");
    });
  });
}
