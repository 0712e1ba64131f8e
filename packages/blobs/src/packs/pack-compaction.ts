import { createHash } from "node:crypto";
import type { PackEntry, PackIndex, PackMove } from "@cairn/core";
import type { MasterKey } from "../fs/record-cipher.js";
import { decodeRecordHeader, RECORD_HEADER_SIZE } from "./pack-format.js";
import type { PackBackend } from "./pack-types.js";
import { encodeRecords } from "./pack-writer.js";
import { openPayload } from "./record-payload.js";

/** Options of a compaction run. */
export interface CompactOptions {
  /** Packs whose live bytes are below this fraction of their length are rewritten (default 0.5). */
  minLiveFraction?: number;
  /**
   * Packs (and pack files without a row) changed within this period are left alone: an open pack
   * may still be written, an unindexed pack may be a group commit about to record its index.
   */
  graceMs: number;
  now?: Date;
  /**
   * An open (unsealed) pack counts as abandoned by its writer — sealed, its torn tail cut — only
   * after this long without a write (default 20 minutes, twice the fs writers' idle rotation, so a
   * live writer in another process always moved on first). Tests of a single process pass 0.
   */
  openPackIdleMs?: number;
}

/** Default of {@link CompactOptions.openPackIdleMs}. */
export const OPEN_PACK_IDLE_MS = 20 * 60_000;

/** What a compaction run did; byte counts are exact pack lengths on disk / in the bucket. */
export interface CompactResult {
  packsRewritten: number;
  packsDeleted: number;
  recordsMoved: number;
  /** Abandoned open packs (their writer died) sealed, with any torn tail cut off. */
  packsSealed: number;
  /** Pack files / objects without any index row (a crash before the index write), deleted. */
  orphansDeleted: number;
  /** Records skipped because their bytes no longer matched their digest (left in place). */
  corruptRecords: number;
  bytesBefore: number;
  bytesAfter: number;
}

/** Bytes of live records copied per backend write during compaction. */
const MOVE_BATCH_BYTES = 16 * 1024 * 1024;

interface CompactDeps {
  backend: PackBackend;
  index: PackIndex;
  master: MasterKey | undefined;
  writerDrain: () => Promise<void>;
  /** True for a pack this process is writing or has written but not indexed yet. */
  busy: (packId: string) => boolean;
}

/**
 * Garbage collection by compaction, crash-safe at every step: (1) abandoned open packs are sealed
 * and their torn tail (past the durable length) cut; (2) each sealed pack whose live fraction is
 * below the threshold has its live records read, verified against their digests, appended to the
 * current pack (durably), and only then moved in the index; (3) a pack the index no longer points
 * into loses its row, then its file. A crash anywhere leaves either the old or the new location
 * indexed — both durable — and at worst dead bytes that the next run reclaims.
 */
export async function compactPacks(
  deps: CompactDeps,
  options: CompactOptions,
): Promise<CompactResult> {
  const { backend, index } = deps;
  const now = options.now ?? new Date();
  const cutoff = now.getTime() - options.graceMs;
  const minLive = options.minLiveFraction ?? 0.5;
  const result: CompactResult = {
    packsRewritten: 0,
    packsDeleted: 0,
    recordsMoved: 0,
    packsSealed: 0,
    orphansDeleted: 0,
    corruptRecords: 0,
    bytesBefore: 0,
    bytesAfter: 0,
  };
  const files = new Map<string, { bytes: number; modifiedAt: Date }>();
  for await (const pack of backend.list()) files.set(pack.packId, pack);
  for (const file of files.values()) result.bytesBefore += file.bytes;
  const stats = await index.packs();
  const known = new Set(stats.map((s) => s.packId));
  const isBusy = (packId: string) => packId === backend.currentPack() || deps.busy(packId);

  for (const pack of stats) {
    if (isBusy(pack.packId) || pack.updatedAt.getTime() >= cutoff) continue;
    const file = files.get(pack.packId);
    if (!pack.sealed) {
      const idleCutoff =
        now.getTime() - Math.max(options.graceMs, options.openPackIdleMs ?? OPEN_PACK_IDLE_MS);
      if (pack.updatedAt.getTime() >= idleCutoff) continue;
      if (file && file.bytes > pack.bytes) await backend.truncate(pack.packId, pack.bytes);
      await index.seal(pack.packId);
      result.packsSealed += 1;
    }
    const length = file ? Math.min(file.bytes, pack.bytes) : pack.bytes;
    if (pack.liveCount > 0 && pack.liveBytes >= length * minLive) continue;
    if (pack.liveCount > 0) {
      const moved = await rewrite(deps, pack.packId, result);
      if (!moved) continue;
      result.packsRewritten += 1;
    }
    if (await index.dropPack(pack.packId)) {
      await backend.remove(pack.packId);
      result.packsDeleted += 1;
    }
  }

  for (const [packId, file] of files) {
    if (known.has(packId) || isBusy(packId)) continue;
    if (file.modifiedAt.getTime() >= cutoff) continue;
    // Re-checked: a group commit may have recorded it since the listing.
    if (await index.packExists(packId)) continue;
    await backend.remove(packId);
    result.orphansDeleted += 1;
  }
  await deps.writerDrain();
  for await (const pack of backend.list()) result.bytesAfter += pack.bytes;
  return result;
}

/** Copies a pack's live records elsewhere and moves their index entries; false if any stayed. */
async function rewrite(deps: CompactDeps, packId: string, result: CompactResult): Promise<boolean> {
  const { backend, index, master } = deps;
  const entries = await index.entriesOf(packId);
  let complete = true;
  let batch: Array<{ entry: PackEntry; record: Buffer }> = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const written = await backend.write(batch.map((b) => b.record));
    const moves: PackMove[] = batch.map((b, i) => ({
      digest: b.entry.digest,
      from: { packId, offset: b.entry.offset },
      to: {
        packId: written.packId,
        offset: written.payloadOffsets[i]!,
        length: b.entry.length,
      },
    }));
    result.recordsMoved += await index.move(written.packId, written.end, moves);
    if (written.sealed) await index.seal(written.packId);
    batch = [];
    batchBytes = 0;
  };
  for (const entry of entries) {
    const record = await backend.read(
      packId,
      entry.offset - RECORD_HEADER_SIZE,
      entry.length + RECORD_HEADER_SIZE,
    );
    const header = decodeRecordHeader(record);
    const payload = record.subarray(RECORD_HEADER_SIZE);
    // Verified before it is copied: compaction never launders damaged bytes into a new pack.
    if (header?.digest !== entry.digest || !matches(master, payload, entry.digest)) {
      result.corruptRecords += 1;
      complete = false;
      continue;
    }
    batch.push({
      entry,
      record: encodeRecords([{ digest: entry.digest, size: entry.size, payload }])[0]!,
    });
    batchBytes += record.length;
    if (batchBytes >= MOVE_BATCH_BYTES) await flush();
  }
  await flush();
  return complete;
}

function matches(master: MasterKey | undefined, payload: Buffer, digest: string): boolean {
  try {
    return (
      createHash("sha256")
        .update(openPayload(master, payload, digest))
        .digest("hex") === digest
    );
  } catch {
    return false;
  }
}
