import { DIGEST_PATTERN } from "@cairn/core";
import { artifactSelectorSchema, logInputSchema, useInputSchema } from "@cairn/services";
import { z } from "zod";
import { artifactsOutputs } from "../../schemas/outputs.js";
import { authedProcedure, publicProcedure, router } from "../../trpc.js";

/** Input of `artifacts.relog` (`RelogInput` of `@cairn/services`): the log fields minus entries, plus the version digest the client computed. */
const relogInputSchema = logInputSchema
  .pick({
    entity: true,
    project: true,
    name: true,
    type: true,
    aliases: true,
    tags: true,
    runId: true,
  })
  .extend({
    digest: z
      .string()
      .regex(DIGEST_PATTERN, "the version digest: 64 lowercase hex characters (SHA-256)"),
  });

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
