import { type CompactResult, isPackedStore } from "@cairn/blobs";
import { CairnError } from "@cairn/core";
import { type Actor, requireActor } from "../actor.js";
import { nowOf, type ServiceDeps } from "../deps.js";
import type { RepackInput } from "./inputs.js";

/** What one `admin.repack` call did. */
export interface RepackReport {
  /** Loose (one-file-per-blob) blobs moved into packs, their own file or object deleted. */
  blobsMoved: number;
  /** Plaintext bytes of those blobs. */
  bytesMoved: number;
  /** Packs the moved blobs were appended to. */
  packsWritten: number;
  /** Loose blobs whose bytes do not match their digest: left where they are (see blob-verify). */
  corrupt: number;
  /** True when no small loose blob is left; false: call again to move the next `limit`. */
  done: boolean;
  /** The compaction run after the last loose blob moved, else null (not done, or not asked). */
  compaction: CompactResult | null;
}

const DEFAULT_LIMIT = 5_000;
const DEFAULT_GRACE_MS = 3_600_000;

/**
 * `cairn admin repack` (site admins only): moves up to `limit` small loose blobs — stores written
 * before packs existed — into packs, then, once none is left, compacts sparse packs. Each blob is
 * read, SHA-256-verified, appended durably and indexed before its own file is deleted, so a crash
 * leaves it in both places (reads prefer the pack; the next call deletes the loose copy) and a
 * repeated call moves nothing twice. The `blobs` rows — what storage reports and GC count — are
 * not touched: a blob's size and owners are the same wherever its bytes live.
 */
export async function repackStore(
  deps: ServiceDeps,
  actor: Actor | null,
  input: RepackInput,
): Promise<RepackReport> {
  const me = requireActor(actor, "repack the blob store");
  if (!me.isSiteAdmin) {
    throw new CairnError(
      "FORBIDDEN",
      "Only site admins (members of the cairn-admins team) can repack the blob store: ask one to run `cairn admin repack`.",
    );
  }
  const store = deps.blobs;
  if (!isPackedStore(store)) {
    throw new CairnError(
      "CONFLICT",
      "This server stores every blob in its own file or object (CAIRN_PACK_THRESHOLD=0), so there are no packs to move blobs into: set CAIRN_PACK_THRESHOLD (default 4194304) and restart the server first.",
    );
  }
  const moved = await store.packs.repack({ limit: input.limit ?? DEFAULT_LIMIT });
  const compaction =
    moved.done && (input.compact ?? true)
      ? await store.packs.compact({
          graceMs: input.graceMs ?? DEFAULT_GRACE_MS,
          now: nowOf(deps),
        })
      : null;
  return {
    blobsMoved: moved.blobsPacked,
    bytesMoved: moved.bytesPacked,
    packsWritten: moved.packsWritten,
    corrupt: moved.corrupt,
    done: moved.done,
    compaction,
  };
}
