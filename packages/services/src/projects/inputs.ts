import { PROJECT_VISIBILITIES } from "@cairn/core";
import { z } from "zod";
import { entityNameSchema, projectRefSchema } from "../inputs.js";

/**
 * zod schemas of the `projects.*` procedures, shared by the router (which parses with them) and
 * the projects service. Names are validated by core in the services; zod bounds sizes and shapes.
 */

const visibility = z.enum(PROJECT_VISIBILITIES);

export const createProjectInputSchema = z.object({
  entity: entityNameSchema,
  name: z.string().min(1).max(128),
  visibility: visibility.default("private"),
  description: z.string().max(4096).optional(),
});
export type CreateProjectInput = z.infer<typeof createProjectInputSchema>;

export const getProjectInputSchema = projectRefSchema;
export type GetProjectInput = z.infer<typeof getProjectInputSchema>;

export const listProjectsInputSchema = z.object({ entity: entityNameSchema.optional() }).optional();
export type ListProjectsInput = z.infer<typeof listProjectsInputSchema>;

export const setVisibilityInputSchema = projectRefSchema.extend({ visibility });
export type SetVisibilityInput = z.infer<typeof setVisibilityInputSchema>;

export const setProtectedAliasesInputSchema = projectRefSchema.extend({
  aliases: z.array(z.string().min(1).max(128)).max(1000),
});
export type SetProtectedAliasesInput = z.infer<typeof setProtectedAliasesInputSchema>;
