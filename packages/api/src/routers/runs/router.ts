import {
  finishRunInputSchema,
  getRunInputSchema,
  initRunInputSchema,
  listRunsInputSchema,
  updateRunInputSchema,
} from "@cairn/services";
import { runsOutputs } from "../../schemas/outputs.js";
import { authedProcedure, publicProcedure, router } from "../../trpc.js";

/** `runs.*`: start/resume, update, finish, read and list runs. */
export const runsRouter = router({
  init: authedProcedure
    .input(initRunInputSchema)
    .output(runsOutputs.run)
    .mutation(({ ctx, input }) => ctx.services.runs.init(ctx.actor, input)),

  update: authedProcedure
    .input(updateRunInputSchema)
    .output(runsOutputs.run)
    .mutation(({ ctx, input }) => ctx.services.runs.update(ctx.actor, input)),

  finish: authedProcedure
    .input(finishRunInputSchema)
    .output(runsOutputs.run)
    .mutation(({ ctx, input }) => ctx.services.runs.finish(ctx.actor, input)),

  get: publicProcedure
    .input(getRunInputSchema)
    .output(runsOutputs.run)
    .query(({ ctx, input }) => ctx.services.runs.get(ctx.actor, input)),

  list: publicProcedure
    .input(listRunsInputSchema)
    .output(runsOutputs.list)
    .query(({ ctx, input }) => ctx.services.runs.list(ctx.actor, input)),
});
