import { blobCompleteInputSchema, blobsMissingInputSchema } from "@cairn/services";
import { authedProcedure, router } from "../trpc.js";

/** Blob transfer negotiation; the bytes themselves go to the returned URLs, never through tRPC. */
export const blobsRouter = router({
  missing: authedProcedure
    .input(blobsMissingInputSchema)
    .mutation(({ ctx, input }) => ctx.services.blobs.missing(ctx.actor, input)),
  complete: authedProcedure
    .input(blobCompleteInputSchema)
    .mutation(({ ctx, input }) => ctx.services.blobs.complete(ctx.actor, input)),
});
