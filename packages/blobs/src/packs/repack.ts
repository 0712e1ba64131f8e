import { createHash } from "node:crypto";
import type { PackIndex } from "@cairn/core";
import type { MasterKey } from "../fs/record-cipher.js";
import type { BlobStore } from "../types.js";
import type { PackItem } from "./pack-writer.js";
import { sealPayload } from "./record-payload.js";

/** What a repack run did. */
export interface RepackResult {
  /** Loose blobs now in packs (their own file removed). */
  blobsPacked: number;
  bytesPacked: number;
  /** Loose blobs whose bytes did not match their digest: left alone, for verify/GC to report. */
  corrupt: number;
  /** Distinct packs the moved blobs were appended to. */
  packsWritten: number;
  /** True when the run went through every loose blob (false: it stopped at its `limit`). */
  done: boolean;
}

/** Loose blobs moved per group commit. */
const BATCH = 500;

interface RepackDeps {
  loose: BlobStore;
  index: PackIndex;
  master?: MasterKey | undefined;
  threshold: number;
  append: (items: PackItem[]) => Promise<string | null>;
}

/**
 * Moves a one-file-per-blob store's small blobs into packs (the blob-gc
 * job). Each blob is read and verified, appended (durably, indexed), and only then is its own file
 * deleted: a crash in between leaves it in both places, and reads already prefer the pack.
 */
export async function repackLoose(
  deps: RepackDeps,
  options: { limit?: number } = {},
): Promise<RepackResult> {
  const result: RepackResult = {
    blobsPacked: 0,
    bytesPacked: 0,
    corrupt: 0,
    packsWritten: 0,
    done: true,
  };
  const packs = new Set<string>();
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let batch: Array<{ digest: string; size: number }> = [];
  const flush = async () => {
    const indexed = await deps.index.lookup(batch.map((b) => b.digest));
    const items: PackItem[] = [];
    for (const { digest } of batch) {
      if (indexed.has(digest)) continue; // packed by an earlier, interrupted run
      const chunks: Buffer[] = [];
      for await (const chunk of await deps.loose.get(digest)) chunks.push(chunk as Buffer);
      const plain = Buffer.concat(chunks);
      if (createHash("sha256").update(plain).digest("hex") !== digest) {
        result.corrupt += 1;
        continue;
      }
      items.push({ digest, size: plain.length, payload: await sealPayload(deps.master, plain) });
    }
    const packId = await deps.append(items);
    if (packId !== null) packs.add(packId);
    const packed = new Set([...indexed.keys(), ...items.map((i) => i.digest)]);
    for (const { digest, size } of batch) {
      if (!packed.has(digest)) continue;
      await deps.loose.delete(digest);
      result.blobsPacked += 1;
      result.bytesPacked += size;
    }
    batch = [];
  };
  for await (const info of deps.loose.list()) {
    if (info.size > deps.threshold) continue;
    if (result.blobsPacked + batch.length >= limit) {
      result.done = false;
      break;
    }
    batch.push({ digest: info.digest, size: info.size });
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  result.packsWritten = packs.size;
  return result;
}
