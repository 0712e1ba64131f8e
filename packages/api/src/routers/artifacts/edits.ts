import {
  deleteVersionInputSchema,
  removeAliasInputSchema,
  setAliasInputSchema,
  setCollectionInputSchema,
  updateVersionInputSchema,
} from "@cairn/services";
import { artifactsOutputs } from "../../schemas/outputs.js";
import { authedProcedure, router } from "../../trpc.js";

/** Editing artifacts: version fields and aliases, deleting versions, collection settings. */
export const artifactsEditRouter = router({
  update: authedProcedure
    .input(updateVersionInputSchema)
    .output(artifactsOutputs.version)
    .mutation(({ ctx, input }) => ctx.services.artifacts.update(ctx.actor, input)),
  setAlias: authedProcedure
    .input(setAliasInputSchema)
    .output(artifactsOutputs.version)
    .mutation(({ ctx, input }) => ctx.services.artifacts.setAlias(ctx.actor, input)),
  removeAlias: authedProcedure
    .input(removeAliasInputSchema)
    .output(artifactsOutputs.removeAlias)
    .mutation(({ ctx, input }) => ctx.services.artifacts.removeAlias(ctx.actor, input)),
  delete: authedProcedure
    .input(deleteVersionInputSchema)
    .output(artifactsOutputs.version)
    .mutation(({ ctx, input }) => ctx.services.artifacts.delete(ctx.actor, input)),
  setCollection: authedProcedure
    .input(setCollectionInputSchema)
    .output(artifactsOutputs.collection)
    .mutation(({ ctx, input }) => ctx.services.artifacts.setCollection(ctx.actor, input)),
});
