import type { ServiceDeps } from "./deps.js";

/** Runs service (stub — being written). */
export function createRunsService(deps: ServiceDeps) {
  return { deps };
}

export type RunsService = ReturnType<typeof createRunsService>;
