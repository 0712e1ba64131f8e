import { jsonObject } from "@cairn/core";
import { z } from "zod";
import { runsOutputs } from "../../schemas/outputs.js";
import { authedProcedure, publicProcedure, router } from "../../trpc.js";

// Names and ids are validated by the services (core rules); zod bounds sizes and shapes.
const projectRef = z.object({
  entity: z.string().min(1).max(64),
  project: z.string().min(1).max(128),
});
const runId = z.string().min(1).max(128);
const label = z.string().min(1).max(256);
// JSON values only: summaries and configs are stored as jsonb and sorted on in SQL.

/** `runs.*`: start/resume, update, finish, read and list runs. */
export const runsRouter = router({
  init: authedProcedure
    .input(
      projectRef.extend({
        id: runId.optional(),
        resume: z.enum(["never", "allow", "must"]).default("never"),
        // Needed only to create a run (the service says so): resuming by id alone is allowed.
        jobType: label.optional(),
        group: label.optional(),
        sweep: label.optional(),
        name: label.optional(),
        config: jsonObject.optional(),
      }),
    )
    .output(runsOutputs.run)
    .mutation(({ ctx, input }) => ctx.services.runs.init(ctx.actor, input)),

  update: authedProcedure
    .input(
      projectRef.extend({
        id: runId,
        summary: jsonObject.optional(),
        config: jsonObject.optional(),
      }),
    )
    .output(runsOutputs.run)
    .mutation(({ ctx, input }) => ctx.services.runs.update(ctx.actor, input)),

  finish: authedProcedure
    .input(projectRef.extend({ id: runId, state: z.enum(["finished", "failed"]) }))
    .output(runsOutputs.run)
    .mutation(({ ctx, input }) => ctx.services.runs.finish(ctx.actor, input)),

  get: publicProcedure
    .input(projectRef.extend({ id: runId }))
    .output(runsOutputs.run)
    .query(({ ctx, input }) => ctx.services.runs.get(ctx.actor, input)),

  list: publicProcedure
    .input(
      projectRef.extend({
        group: label.optional(),
        sweep: label.optional(),
        jobType: label.optional(),
        orderBy: z.string().min(1).max(300).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        cursor: z.string().min(1).max(2000).optional(),
      }),
    )
    .output(runsOutputs.list)
    .query(({ ctx, input }) => ctx.services.runs.list(ctx.actor, input)),
});
