import { draftStatusInputSchema, finishInputSchema, upsertInputSchema } from "@cairn/services";
import { authedProcedure, publicProcedure, router } from "../trpc.js";

/**
 * Parallel writers: `upsert` records a writer's entries into the draft of a `distributedId`
 * (durable before it answers), `finish` closes it and queues the commit, `draftStatus` long-polls
 * (≤ 25 s) until the draft is finished or failed.
 */
export const artifactsDraftsRouter = router({
  upsert: authedProcedure
    .input(upsertInputSchema)
    .mutation(({ ctx, input }) => ctx.services.drafts.upsert(ctx.actor, input)),
  finish: authedProcedure
    .input(finishInputSchema)
    .mutation(({ ctx, input }) => ctx.services.drafts.finish(ctx.actor, input)),
  draftStatus: publicProcedure
    .input(draftStatusInputSchema)
    .query(({ ctx, input }) => ctx.services.drafts.status(ctx.actor, input)),
});
