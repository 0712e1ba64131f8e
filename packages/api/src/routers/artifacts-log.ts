import { artifactSelectorSchema, logInputSchema, useInputSchema } from "@cairn/services";
import { authedProcedure, publicProcedure, router } from "../trpc.js";

/** Logging, using and fetching versions. */
export const artifactsLogRouter = router({
  log: authedProcedure
    .input(logInputSchema)
    .mutation(({ ctx, input }) => ctx.services.artifacts.log(ctx.actor, input)),
  use: authedProcedure
    .input(useInputSchema)
    .mutation(({ ctx, input }) => ctx.services.artifacts.use(ctx.actor, input)),
  get: publicProcedure
    .input(artifactSelectorSchema)
    .query(({ ctx, input }) => ctx.services.artifacts.get(ctx.actor, input)),
});
