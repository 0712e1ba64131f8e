import type { ServiceDeps } from "./deps.js";

/** Projects service (stub — being written). */
export function createProjectsService(deps: ServiceDeps) {
  return { deps };
}

export type ProjectsService = ReturnType<typeof createProjectsService>;
