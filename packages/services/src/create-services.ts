import { createAccountsService } from "./accounts/service.js";
import { type Actor, authenticate, createActorCache } from "./actor.js";
import type { RepackInput } from "./admin/inputs.js";
import { repackStore } from "./admin/repack.js";
import { createArtifactBrowseService } from "./artifacts/browse.js";
import { createArtifactsService } from "./artifacts/service.js";
import { createBundleDownloads } from "./blobs/bundle-download.js";
import { createBlobsService } from "./blobs/service.js";
import type { ServiceDeps } from "./deps.js";
import { createDraftsService } from "./drafts/service.js";
import { createHooksService } from "./events/hooks-service.js";
import { createLineageService } from "./lineage/service.js";
import { createProjectsService } from "./projects/service.js";
import { createRetentionService } from "./retention/service.js";
import { createRunsService } from "./runs/service.js";

/**
 * Composes every domain service over one set of dependencies. Apps call this once at their
 * composition root; tRPC procedures and job processors only ever talk to the result.
 */
export function createServices(given: ServiceDeps) {
  const deps: ServiceDeps = { ...given, actorCache: given.actorCache ?? createActorCache() };
  return {
    deps,
    /** Resolves an `Authorization` header to an actor (null = anonymous). */
    authenticate: (authorization: string | null | undefined): Promise<Actor | null> =>
      authenticate(deps.db, authorization, deps.actorCache),
    accounts: createAccountsService(deps),
    projects: createProjectsService(deps),
    runs: createRunsService(deps),
    artifacts: createArtifactsService(deps),
    browse: createArtifactBrowseService(deps),
    drafts: createDraftsService(deps),
    blobs: createBlobsService(deps),
    bundleDownloads: createBundleDownloads(deps),
    lineage: createLineageService(deps),
    retention: createRetentionService(deps),
    hooks: createHooksService(deps),
    /** Site administration of the blob store (site admins only). */
    admin: {
      repack: (actor: Actor | null, input: RepackInput) => repackStore(deps, actor, input),
    },
  };
}

/** The composed services. */
export type Services = ReturnType<typeof createServices>;
