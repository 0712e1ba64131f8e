import { z } from "zod";

/** Most loose blobs one `admin.repack` call moves (the CLI calls again until `done`). */
export const REPACK_LIMIT_MAX = 100_000;

/** Input of `admin.repack`. */
export const repackInputSchema = z.object({
  /** Loose blobs to move in this call (default 5,000): a call stays a bounded request. */
  limit: z.number().int().min(1).max(REPACK_LIMIT_MAX).optional(),
  /**
   * Compact sparse packs once every loose blob is packed (default true). Packs written or changed
   * within `graceMs` are left alone, as in the blob-gc job.
   */
  compact: z.boolean().optional(),
  /** Default one hour, like `CAIRN_BLOB_GC_GRACE`. */
  graceMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type RepackInput = z.infer<typeof repackInputSchema>;
