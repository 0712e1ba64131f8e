import {
  deleteVersionInputSchema,
  removeAliasInputSchema,
  setAliasInputSchema,
  setCollectionInputSchema,
  updateVersionInputSchema,
} from "@cairn/services";
import { authedProcedure, router } from "../trpc.js";

/** Editing artifacts: version fields and aliases, deleting versions, collection settings. */
export const artifactsEditRouter = router({
  update: authedProcedure
    .input(updateVersionInputSchema)
    .mutation(({ ctx, input }) => ctx.services.artifacts.update(ctx.actor, input)),
  setAlias: authedProcedure
    .input(setAliasInputSchema)
    .mutation(({ ctx, input }) => ctx.services.artifacts.setAlias(ctx.actor, input)),
  removeAlias: authedProcedure
    .input(removeAliasInputSchema)
    .mutation(({ ctx, input }) => ctx.services.artifacts.removeAlias(ctx.actor, input)),
  delete: authedProcedure
    .input(deleteVersionInputSchema)
    .mutation(({ ctx, input }) => ctx.services.artifacts.delete(ctx.actor, input)),
  setCollection: authedProcedure
    .input(setCollectionInputSchema)
    .mutation(({ ctx, input }) => ctx.services.artifacts.setCollection(ctx.actor, input)),
});
