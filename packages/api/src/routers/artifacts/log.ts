import {
  artifactSelectorSchema,
  logInputSchema,
  relogInputSchema,
  useInputSchema,
} from "@cairn/services";
import { artifactsOutputs } from "../../schemas/outputs.js";
import { authedProcedure, publicProcedure, router } from "../../trpc.js";

/** Logging, using and fetching versions. */
export const artifactsLogRouter = router({
  log: authedProcedure
    .input(logInputSchema)
    .output(artifactsOutputs.log)
    .mutation(({ ctx, input }) => ctx.services.artifacts.log(ctx.actor, input)),
  /** Unchanged re-log fast path: `{ version: null }` means "log in full". */
  relog: authedProcedure
    .input(relogInputSchema)
    .output(artifactsOutputs.relog)
    .mutation(({ ctx, input }) => ctx.services.artifacts.relog(ctx.actor, input)),
  use: authedProcedure
    .input(useInputSchema)
    .output(artifactsOutputs.version)
    .mutation(({ ctx, input }) => ctx.services.artifacts.use(ctx.actor, input)),
  get: publicProcedure
    .input(artifactSelectorSchema)
    .output(artifactsOutputs.version)
    .query(({ ctx, input }) => ctx.services.artifacts.get(ctx.actor, input)),
});
