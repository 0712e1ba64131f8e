import type { ServiceDeps } from "./deps.js";

/** Drafts service (stub — being written). */
export function createDraftsService(deps: ServiceDeps) {
  return { deps };
}

export type DraftsService = ReturnType<typeof createDraftsService>;
