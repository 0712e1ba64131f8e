import { blobCompleteInputSchema, blobsMissingInputSchema } from "@cairn/services";
import { blobsOutputs } from "../../schemas/outputs.js";
import { authedProcedure, router } from "../../trpc.js";

/** Blob transfer negotiation; the bytes themselves go to the returned URLs, never through tRPC. */
export const blobsRouter = router({
  missing: authedProcedure
    .input(blobsMissingInputSchema)
    .output(blobsOutputs.missing)
    .mutation(({ ctx, input }) => ctx.services.blobs.missing(ctx.actor, input)),
  complete: authedProcedure
    .input(blobCompleteInputSchema)
    .output(blobsOutputs.complete)
    .mutation(({ ctx, input }) => ctx.services.blobs.complete(ctx.actor, input)),
});
