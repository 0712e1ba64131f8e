import { findFilesInputSchema, foldersInputSchema } from "@cairn/services";
import { z } from "zod";
import { manifestEntry } from "../../schemas/common.js";
import { publicProcedure, router } from "../../trpc.js";

const folderTotals = z.object({
  path: z.string(),
  files: z.number().int().describe("Files below the folder, at any depth"),
  bytes: z.number().int().describe("Their bytes (unknown sizes count as 0)"),
});

/** Browsing one version's manifest: folder totals and path search (the web app's files tree). */
export const artifactsBrowseRouter = router({
  folders: publicProcedure
    .input(foldersInputSchema)
    .output(z.object({ folders: z.array(folderTotals), truncated: z.boolean() }))
    .query(({ ctx, input }) => ctx.services.browse.folders(ctx.actor, input)),
  findFiles: publicProcedure
    .input(findFilesInputSchema)
    .output(z.object({ entries: z.array(manifestEntry), truncated: z.boolean() }))
    .query(({ ctx, input }) => ctx.services.browse.findFiles(ctx.actor, input)),
});
