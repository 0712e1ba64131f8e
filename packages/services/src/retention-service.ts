import type { ServiceDeps } from "./deps.js";

/** Retention service (stub — being written). */
export function createRetentionService(deps: ServiceDeps) {
  return { deps };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
