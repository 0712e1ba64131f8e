import { jsonObject } from "@cairn/core";
import { z } from "zod";
import { projectRefSchema } from "../inputs.js";

/**
 * zod schemas of the `runs.*` procedures, shared by the router (which parses with them) and the
 * runs service. Names and ids are validated by the services (core rules); zod bounds sizes and
 * shapes. Summaries and configs are JSON values only: they are stored as jsonb and sorted on in SQL.
 */

const runId = z.string().min(1).max(128);
const label = z.string().min(1).max(256);

export const initRunInputSchema = projectRefSchema.extend({
  id: runId.optional(),
  resume: z.enum(["never", "allow", "must"]).default("never"),
  // Needed only to create a run (the service says so): resuming by id alone is allowed.
  jobType: label.optional(),
  group: label.optional(),
  sweep: label.optional(),
  name: label.optional(),
  config: jsonObject.optional(),
});

export const updateRunInputSchema = projectRefSchema.extend({
  id: runId,
  summary: jsonObject.optional(),
  config: jsonObject.optional(),
});
export type UpdateRunInput = z.infer<typeof updateRunInputSchema>;

export const finishRunInputSchema = projectRefSchema.extend({
  id: runId,
  state: z.enum(["finished", "failed"]),
});
export type FinishRunInput = z.infer<typeof finishRunInputSchema>;

export const getRunInputSchema = projectRefSchema.extend({ id: runId });
export type GetRunInput = z.infer<typeof getRunInputSchema>;

export const listRunsInputSchema = projectRefSchema.extend({
  group: label.optional(),
  sweep: label.optional(),
  jobType: label.optional(),
  orderBy: z.string().min(1).max(300).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  cursor: z.string().min(1).max(2000).optional(),
});
export type ListRunsInput = z.infer<typeof listRunsInputSchema>;
