import type { ServiceDeps } from "./deps.js";

/** Blobs service (stub — being written). */
export function createBlobsService(deps: ServiceDeps) {
  return { deps };
}

export type BlobsService = ReturnType<typeof createBlobsService>;
