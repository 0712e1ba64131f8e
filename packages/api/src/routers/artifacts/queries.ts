import {
  auditInputSchema,
  diffInputSchema,
  entryInputSchema,
  fileUrlsInputSchema,
  listCollectionsInputSchema,
  listVersionsInputSchema,
  manifestInputSchema,
  storageInputSchema,
} from "@cairn/services";
import { artifactsOutputs } from "../../schemas/outputs.js";
import { publicProcedure, router } from "../../trpc.js";

/**
 * Reading artifacts: listings, manifests, single entries, download URLs, diffs, storage and the
 * audit log. Public procedures: the services decide (anonymous callers read public/open projects).
 */
export const artifactsReadRouter = router({
  listCollections: publicProcedure
    .input(listCollectionsInputSchema)
    .output(artifactsOutputs.listCollections)
    .query(({ ctx, input }) => ctx.services.artifacts.listCollections(ctx.actor, input)),
  listVersions: publicProcedure
    .input(listVersionsInputSchema)
    .output(artifactsOutputs.listVersions)
    .query(({ ctx, input }) => ctx.services.artifacts.listVersions(ctx.actor, input)),
  manifest: publicProcedure
    .input(manifestInputSchema)
    .output(artifactsOutputs.manifest)
    .query(({ ctx, input }) => ctx.services.artifacts.manifest(ctx.actor, input)),
  entry: publicProcedure
    .input(entryInputSchema)
    .output(artifactsOutputs.entry)
    .query(({ ctx, input }) => ctx.services.artifacts.entry(ctx.actor, input)),
  // A query, though it signs URLs: it changes nothing, and batched GETs keep downloads cacheable.
  fileUrls: publicProcedure
    .input(fileUrlsInputSchema)
    .output(artifactsOutputs.fileUrls)
    .query(({ ctx, input }) => ctx.services.artifacts.fileUrls(ctx.actor, input)),
  // The same as fileUrls, as a mutation so the digests travel in a POST body: a GET's URL fits
  // only ~90 digests under Node's header limit, which made cold downloads round-trip bound.
  fileUrlsBatch: publicProcedure
    .input(fileUrlsInputSchema)
    .output(artifactsOutputs.fileUrls)
    .mutation(({ ctx, input }) => ctx.services.artifacts.fileUrls(ctx.actor, input)),
  diff: publicProcedure
    .input(diffInputSchema)
    .output(artifactsOutputs.diff)
    .query(({ ctx, input }) => ctx.services.artifacts.diff(ctx.actor, input)),
  storage: publicProcedure
    .input(storageInputSchema)
    .output(artifactsOutputs.storage)
    .query(({ ctx, input }) => ctx.services.artifacts.storage(ctx.actor, input)),
  audit: publicProcedure
    .input(auditInputSchema)
    .output(artifactsOutputs.audit)
    .query(({ ctx, input }) => ctx.services.artifacts.audit(ctx.actor, input)),
});
