import { appendFile, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { PackIndex } from "@cairn/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isPackedStore, type PackedBlobStore } from "../packs/packed-store.js";
import type { BlobStore } from "../types.js";
import { expectCairnError, randomBlob, readAll } from "./helpers.js";

/** A packed store under test, with the hooks the pack suite needs. */
export interface PackSubject {
  store: BlobStore;
  /** A new store over the same directory / prefix (a restarted process); `index` overrides the index. */
  reopen(index?: PackIndex): BlobStore;
  /** The same place without packs: how stores were written before packs existed. */
  legacy(): BlobStore;
  index: PackIndex;
  /** The store's directory (fs) or null (S3). */
  root: string | null;
  encrypted: boolean;
  cleanup?(): Promise<void>;
}

/** Byte overhead of a pack header and of each record header (see docs/storage.md). */
const PACK_HEADER = 16;
const RECORD_HEADER = 48;
const FUTURE = () => new Date(Date.now() + 60_000);

function packed(store: BlobStore): PackedBlobStore {
  if (!isPackedStore(store)) throw new Error("expected a packed store");
  return store;
}

/**
 * What every packed store passes beyond the blob store suite: group commit, verified batches,
 * contiguous reads, compaction with exact accounting, crash recovery (torn tails, a crash between
 * the pack write and the index write), old one-file-per-blob stores readable and repacked.
 */
export function runPackConformance(name: string, make: () => Promise<PackSubject>): void {
  describe(`pack conformance: ${name}`, () => {
    let subject: PackSubject;
    beforeEach(async () => {
      subject = await make();
    });
    afterEach(async () => {
      await subject.cleanup?.();
    });

    it("groups concurrent small puts into few pack writes, every blob readable", async () => {
      const store = packed(subject.store);
      const blobs = Array.from({ length: 40 }, (_, i) => randomBlob(1000 + i * 37));
      await Promise.all(blobs.map((b) => store.put(b.digest, b.bytes)));
      const packs = await subject.index.packs();
      expect(packs.length).toBeLessThanOrEqual(3);
      expect(packs.reduce((n, p) => n + p.liveCount, 0)).toBe(40);
      const reread = packed(subject.reopen());
      for (const b of blobs)
        expect((await readAll(await reread.get(b.digest))).equals(b.bytes)).toBe(true);
      const many = await reread.getMany(blobs.map((b) => b.digest).reverse());
      expect(many.map((m) => m.toString("hex"))).toEqual(
        blobs.map((b) => b.bytes.toString("hex")).reverse(),
      );
    });

    it("putMany verifies every blob before writing any", async () => {
      const store = packed(subject.store);
      const good = randomBlob(500);
      const bad = randomBlob(500);
      await expectCairnError(
        store.putMany([good, { digest: bad.digest, bytes: randomBlob(500).bytes }]),
        "DIGEST_MISMATCH",
      );
      expect(await store.has(good.digest)).toBe(false);
      expect(await subject.index.packs()).toEqual([]);
      await store.putMany([good, bad]);
      expect((await readAll(await store.get(bad.digest))).equals(bad.bytes)).toBe(true);
    });

    it("compacts packs with few live records: live blobs move first, exact byte accounting", async () => {
      const store = packed(subject.store);
      const blobs = Array.from({ length: 30 }, () => randomBlob(10_000));
      await store.putMany(blobs.slice(0, 15));
      await store.putMany(blobs.slice(15));
      await store.packs.close();
      const keep = blobs.slice(0, 5);
      for (const b of blobs.slice(5)) await store.delete(b.digest);
      const compactor = packed(subject.reopen());
      const result = await compactor.packs.compact({
        graceMs: 0,
        now: FUTURE(),
        openPackIdleMs: 0,
      });
      expect(result.packsDeleted).toBeGreaterThanOrEqual(1);
      expect(result.recordsMoved).toBe(5);
      expect(result.corruptRecords).toBe(0);
      const live = [...(await subject.index.lookup(keep.map((b) => b.digest))).values()];
      expect(live).toHaveLength(5);
      const liveBytes = live.reduce((n, e) => n + RECORD_HEADER + e.length, 0);
      expect(result.bytesAfter).toBe(PACK_HEADER + liveBytes);
      expect(result.bytesBefore).toBeGreaterThan(result.bytesAfter);
      for (const b of keep)
        expect(await compactor.verify(b.digest)).toEqual({ ok: true, actual: b.digest });
      for (const b of blobs.slice(5)) await expectCairnError(compactor.get(b.digest), "NOT_FOUND");
      // A second run finds nothing to do.
      const again = await compactor.packs.compact({ graceMs: 0, now: FUTURE(), openPackIdleMs: 0 });
      expect(again.recordsMoved).toBe(0);
      expect(again.bytesAfter).toBe(result.bytesAfter);
    });

    it("ignores a torn pack tail after a crash and cuts it off when the pack is sealed", async () => {
      const store = packed(subject.store);
      const blobs = Array.from({ length: 3 }, () => randomBlob(2000));
      await store.putMany(blobs);
      if (subject.root === null) return; // pack objects are written whole by one PUT
      const [pack] = await subject.index.packs();
      const file = join(subject.root, "packs", `${pack!.packId}.pack`);
      // What a process killed in the middle of its next append leaves: half a record.
      await appendFile(file, Buffer.from("CPRC\0\0\0\x10half a record"));
      const after = packed(subject.reopen());
      for (const b of blobs)
        expect(await after.verify(b.digest)).toEqual({ ok: true, actual: b.digest });
      const result = await after.packs.compact({ graceMs: 0, now: FUTURE(), openPackIdleMs: 0 });
      expect(result.packsSealed).toBe(1);
      expect((await stat(file)).size).toBe(pack!.bytes);
      for (const b of blobs)
        expect(await after.verify(b.digest)).toEqual({ ok: true, actual: b.digest });
    });

    it("a crash between the pack write and the index write leaves nothing addressable; compaction reclaims it", async () => {
      const failing: PackIndex = {
        ...subject.index,
        record: async () => {
          throw new Error("simulated crash before the index write");
        },
      };
      const crashed = packed(subject.reopen(failing));
      const blob = randomBlob(3000);
      await expect(crashed.put(blob.digest, blob.bytes)).rejects.toThrow(/simulated crash/);
      await crashed.packs.close();
      expect(await subject.store.has(blob.digest)).toBe(false);
      const result = await packed(subject.reopen()).packs.compact({
        graceMs: 0,
        now: FUTURE(),
        openPackIdleMs: 0,
      });
      expect(result.orphansDeleted).toBe(1);
      expect(result.bytesAfter).toBe(0);
    });

    it("reads blobs stored one file per blob, and repack moves them into packs", async () => {
      const legacy = subject.legacy();
      const blobs = Array.from({ length: 5 }, () => randomBlob(4000));
      for (const b of blobs) await legacy.put(b.digest, b.bytes);
      const store = packed(subject.store);
      for (const b of blobs)
        expect((await readAll(await store.get(b.digest))).equals(b.bytes)).toBe(true);
      const result = await store.packs.repack();
      expect(result).toEqual({
        blobsPacked: 5,
        bytesPacked: 20_000,
        corrupt: 0,
        packsWritten: 1,
        done: true,
      });
      // Idempotent: a second run finds nothing left to move.
      expect(await store.packs.repack()).toMatchObject({ blobsPacked: 0, done: true });
      for (const b of blobs) {
        expect(await legacy.has(b.digest)).toBe(false);
        expect(await store.verify(b.digest)).toEqual({ ok: true, actual: b.digest });
      }
      const listed: string[] = [];
      for await (const info of store.list()) listed.push(info.digest);
      expect(listed.sort()).toEqual(blobs.map((b) => b.digest).sort());
    });

    it("encrypts each record at rest when a key is configured", async () => {
      if (!subject.encrypted || subject.root === null) return;
      const blob = randomBlob(5000);
      await subject.store.put(blob.digest, blob.bytes);
      const dir = join(subject.root, "packs");
      for (const name of await readdir(dir)) {
        const bytes = await readFile(join(dir, name));
        expect(bytes.includes(blob.bytes.subarray(0, 64))).toBe(false);
      }
      expect(
        (await readAll(await subject.store.get(blob.digest, { start: 10, end: 19 }))).equals(
          blob.bytes.subarray(10, 20),
        ),
      ).toBe(true);
    });
  });
}
