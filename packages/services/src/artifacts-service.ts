import type { ServiceDeps } from "./deps.js";

/** Artifacts service (stub — being written). */
export function createArtifactsService(deps: ServiceDeps) {
  return { deps };
}

export type ArtifactsService = ReturnType<typeof createArtifactsService>;
