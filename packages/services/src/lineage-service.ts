import type { ServiceDeps } from "./deps.js";

/** Lineage service (stub — being written). */
export function createLineageService(deps: ServiceDeps) {
  return { deps };
}

export type LineageService = ReturnType<typeof createLineageService>;
