import type { Actor } from "./actor.js";
import { getArtifact, logArtifact, useArtifact } from "./artifact-log.js";
import type { ServiceDeps } from "./deps.js";
import type { ArtifactSelectorInput, LogInput, UseInput } from "./inputs.js";

/** Artifact versions: log, use, get (and, composed below, listing, editing, deleting, diffing). */
export function createArtifactsService(deps: ServiceDeps) {
  return {
    log: (actor: Actor | null, input: LogInput) => logArtifact(deps, actor, input),
    use: (actor: Actor | null, input: UseInput) => useArtifact(deps, actor, input),
    get: (actor: Actor | null, input: ArtifactSelectorInput) => getArtifact(deps, actor, input),
  };
}

export type ArtifactsService = ReturnType<typeof createArtifactsService>;
