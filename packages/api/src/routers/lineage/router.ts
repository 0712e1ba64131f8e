import {
  artifactSelectorSchema,
  lineageGraphInputSchema,
  runArtifactsInputSchema,
} from "@cairn/services";
import { lineageOutputs } from "../../schemas/outputs.js";
import { publicProcedure, router } from "../../trpc.js";

/** `lineage.*`: one-step walks between runs and versions, and whole graphs for the lineage view. */
export const lineageRouter = router({
  loggedBy: publicProcedure
    .input(artifactSelectorSchema)
    .output(lineageOutputs.loggedBy)
    .query(({ ctx, input }) => ctx.services.lineage.loggedBy(ctx.actor, input)),
  usedBy: publicProcedure
    .input(artifactSelectorSchema)
    .output(lineageOutputs.runs)
    .query(({ ctx, input }) => ctx.services.lineage.usedBy(ctx.actor, input)),
  loggedArtifacts: publicProcedure
    .input(runArtifactsInputSchema)
    .output(lineageOutputs.versions)
    .query(({ ctx, input }) => ctx.services.lineage.loggedArtifacts(ctx.actor, input)),
  usedArtifacts: publicProcedure
    .input(runArtifactsInputSchema)
    .output(lineageOutputs.versions)
    .query(({ ctx, input }) => ctx.services.lineage.usedArtifacts(ctx.actor, input)),
  graph: publicProcedure
    .input(lineageGraphInputSchema)
    .output(lineageOutputs.graph)
    .query(({ ctx, input }) => ctx.services.lineage.graph(ctx.actor, input)),
});
