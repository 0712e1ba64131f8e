import { z } from "zod";
import { projectRefSchema } from "../inputs.js";

/**
 * zod schemas of the `lineage.*` procedures, shared by the router (which parses with them) and the
 * lineage service. (`loggedBy` and `usedBy` take an `artifactSelectorSchema`.)
 */

/** Deepest lineage graph one request may ask for. */
export const MAX_LINEAGE_DEPTH = 10;
/** Largest node budget of one lineage graph. */
export const MAX_LINEAGE_NODES = 5000;

export const runArtifactsInputSchema = projectRefSchema.extend({
  runId: z.string().min(1).max(128),
});
export type RunArtifactsInput = z.infer<typeof runArtifactsInputSchema>;

export const lineageGraphInputSchema = projectRefSchema.extend({
  root: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("version"), ref: z.string().min(1).max(400) }),
    z.object({ kind: z.literal("run"), id: z.string().min(1).max(128) }),
  ]),
  direction: z.enum(["upstream", "downstream", "both"]).optional(),
  depth: z.number().int().min(0).max(MAX_LINEAGE_DEPTH).optional(),
  maxNodes: z.number().int().min(1).max(MAX_LINEAGE_NODES).optional(),
  /** Also return the summary view (one node per collection / jobType). */
  collapsed: z.boolean().optional(),
});
export type LineageGraphInput = z.infer<typeof lineageGraphInputSchema>;
