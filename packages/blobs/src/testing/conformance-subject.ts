import type { BlobStore } from "../types.js";

/** A store under test plus the per-implementation hooks the suite needs. */
export interface ConformanceSubject {
  store: BlobStore;
  /** Replaces the stored bytes of `digest` with different bytes (behind the store's back). */
  corrupt(digest: string): Promise<void>;
  /** Releases whatever `makeStore` created (temp directory, key prefix…). */
  cleanup?(): Promise<void>;
}
