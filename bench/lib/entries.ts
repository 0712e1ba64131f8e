import { createHash } from "node:crypto";
import type { CairnTrpcClient, RouterOutputs } from "@cairn/client";

/** A manifest entry as the API takes it. */
export interface BenchEntry {
  path: string;
  digest: string;
  size: number;
  ref: string;
}

/**
 * Reference entries `<prefix>/<i>`: a reference stores no bytes, so committing them measures the
 * commit (validation, rows, digest) and nothing of blob transfer or ownership.
 */
export function referenceEntries(from: number, count: number, prefix = "part"): BenchEntry[] {
  const out: BenchEntry[] = new Array(count);
  for (let k = 0; k < count; k++) {
    const i = from + k;
    const path = `${prefix}/${String(i).padStart(7, "0")}.bin`;
    out[k] = {
      path,
      digest: createHash("md5").update(path).digest("hex"),
      size: 1_000 + (i % 5_000),
      ref: `https://data.example.com/objects/${path}`,
    };
  }
  return out;
}

type DraftStatus = RouterOutputs["artifacts"]["draftStatus"];

/** Long-polls `artifacts.draftStatus` until the draft is finished (or throws on failure). */
export async function waitForDraft(trpc: CairnTrpcClient, draftId: string): Promise<DraftStatus> {
  for (;;) {
    const status = await trpc.artifacts.draftStatus.query({ draftId, waitMs: 20_000 });
    if (status.status === "finished") return status;
    if (status.status === "failed") {
      throw new Error(`draft ${draftId} failed: ${status.error ?? "no reason given"}`);
    }
  }
}
