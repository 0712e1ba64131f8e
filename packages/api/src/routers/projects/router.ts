import { PROJECT_VISIBILITIES } from "@cairn/core";
import { z } from "zod";
import { projectsOutputs } from "../../schemas/outputs.js";
import { authedProcedure, publicProcedure, router } from "../../trpc.js";

// Names are validated by core in the services; zod bounds sizes and shapes.
const entityName = z.string().min(1).max(64);
const projectRef = z.object({ entity: entityName, project: z.string().min(1).max(128) });
const visibility = z.enum(PROJECT_VISIBILITIES);

/** `projects.*`: create, read and list projects; admins change visibility and protected aliases. */
export const projectsRouter = router({
  create: authedProcedure
    .input(
      z.object({
        entity: entityName,
        name: z.string().min(1).max(128),
        visibility: visibility.default("private"),
        description: z.string().max(4096).optional(),
      }),
    )
    .output(projectsOutputs.project)
    .mutation(({ ctx, input }) => ctx.services.projects.create(ctx.actor, input)),

  get: publicProcedure
    .input(projectRef)
    .output(projectsOutputs.project)
    .query(({ ctx, input }) => ctx.services.projects.get(ctx.actor, input)),

  list: publicProcedure
    .input(z.object({ entity: entityName.optional() }).optional())
    .output(projectsOutputs.list)
    .query(({ ctx, input }) => ctx.services.projects.list(ctx.actor, { entity: input?.entity })),

  setVisibility: authedProcedure
    .input(projectRef.extend({ visibility }))
    .output(projectsOutputs.project)
    .mutation(({ ctx, input }) => ctx.services.projects.setVisibility(ctx.actor, input)),

  setProtectedAliases: authedProcedure
    .input(projectRef.extend({ aliases: z.array(z.string().min(1).max(128)).max(1000) }))
    .output(projectsOutputs.project)
    .mutation(({ ctx, input }) => ctx.services.projects.setProtectedAliases(ctx.actor, input)),
});
