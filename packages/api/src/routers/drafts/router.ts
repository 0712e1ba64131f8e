import { draftStatusInputSchema, finishInputSchema, upsertInputSchema } from "@cairn/services";
import { artifactsOutputs } from "../../schemas/outputs.js";
import { authedProcedure, publicProcedure, router } from "../../trpc.js";

/**
 * Parallel writers: `upsert` records a writer's entries into the draft of a `distributedId`
 * (durable before it answers), `finish` closes it and queues the commit, `draftStatus` long-polls
 * (≤ 25 s) until the draft is finished or failed.
 */
export const artifactsDraftsRouter = router({
  upsert: authedProcedure
    .input(upsertInputSchema)
    .output(artifactsOutputs.upsert)
    .mutation(({ ctx, input }) => ctx.services.drafts.upsert(ctx.actor, input)),
  finish: authedProcedure
    .input(finishInputSchema)
    .output(artifactsOutputs.finish)
    .mutation(({ ctx, input }) => ctx.services.drafts.finish(ctx.actor, input)),
  draftStatus: publicProcedure
    .input(draftStatusInputSchema)
    .output(artifactsOutputs.draftStatus)
    .query(({ ctx, input }) => ctx.services.drafts.status(ctx.actor, input)),
});
