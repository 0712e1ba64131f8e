import { findFilesInputSchema, foldersInputSchema } from "@cairn/services";
import { publicProcedure, router } from "../trpc.js";

/** Browsing one version's manifest: folder totals and path search (the web app's files tree). */
export const artifactsBrowseRouter = router({
  folders: publicProcedure
    .input(foldersInputSchema)
    .query(({ ctx, input }) => ctx.services.browse.folders(ctx.actor, input)),
  findFiles: publicProcedure
    .input(findFilesInputSchema)
    .query(({ ctx, input }) => ctx.services.browse.findFiles(ctx.actor, input)),
});
