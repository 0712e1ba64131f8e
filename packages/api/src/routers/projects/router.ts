import {
  createProjectInputSchema,
  getProjectInputSchema,
  listProjectsInputSchema,
  setProtectedAliasesInputSchema,
  setVisibilityInputSchema,
} from "@cairn/services";
import { projectsOutputs } from "../../schemas/outputs.js";
import { authedProcedure, publicProcedure, router } from "../../trpc.js";

/** `projects.*`: create, read and list projects; admins change visibility and protected aliases. */
export const projectsRouter = router({
  create: authedProcedure
    .input(createProjectInputSchema)
    .output(projectsOutputs.project)
    .mutation(({ ctx, input }) => ctx.services.projects.create(ctx.actor, input)),

  get: publicProcedure
    .input(getProjectInputSchema)
    .output(projectsOutputs.project)
    .query(({ ctx, input }) => ctx.services.projects.get(ctx.actor, input)),

  list: publicProcedure
    .input(listProjectsInputSchema)
    .output(projectsOutputs.list)
    .query(({ ctx, input }) => ctx.services.projects.list(ctx.actor, { entity: input?.entity })),

  setVisibility: authedProcedure
    .input(setVisibilityInputSchema)
    .output(projectsOutputs.project)
    .mutation(({ ctx, input }) => ctx.services.projects.setVisibility(ctx.actor, input)),

  setProtectedAliases: authedProcedure
    .input(setProtectedAliasesInputSchema)
    .output(projectsOutputs.project)
    .mutation(({ ctx, input }) => ctx.services.projects.setProtectedAliases(ctx.actor, input)),
});
