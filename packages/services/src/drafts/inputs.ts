import { jsonObject, MAX_DESCRIPTION_LENGTH, MAX_DRAFT_WAIT_MS } from "@cairn/core";
import { z } from "zod";
import { entriesSchema, projectRefSchema, ttlInputSchema } from "../inputs.js";

/**
 * zod schemas of the parallel-writer procedures (`artifacts.upsert`, `artifacts.finish`,
 * `artifacts.draftStatus`), shared by the router (which parses) and the drafts service.
 */

export { MAX_DRAFT_WAIT_MS };

/** The writers' shared key, usually the run group: any text a CLI flag or env var can carry. */
const distributedIdSchema = z.string().min(1).max(256);

export const upsertInputSchema = projectRefSchema.extend({
  name: z.string().min(1).max(128),
  type: z.string().min(1).max(128),
  distributedId: distributedIdSchema,
  runId: z.string().min(1).max(128).optional(),
  entries: entriesSchema,
});
export type UpsertInput = z.infer<typeof upsertInputSchema>;

export const finishInputSchema = projectRefSchema.extend({
  name: z.string().min(1).max(128),
  type: z.string().min(1).max(128),
  distributedId: distributedIdSchema,
  runId: z.string().min(1).max(128).optional(),
  aliases: z.array(z.string()).max(100).optional(),
  description: z.string().max(MAX_DESCRIPTION_LENGTH).nullish(),
  metadata: jsonObject.optional(),
  tags: z.array(z.string()).max(100).optional(),
  ttl: ttlInputSchema.optional(),
});
export type FinishInput = z.infer<typeof finishInputSchema>;

export const draftStatusInputSchema = z.object({
  draftId: z.string().min(1).max(128),
  waitMs: z
    .number()
    .int()
    .min(0)
    .max(
      MAX_DRAFT_WAIT_MS,
      `waitMs is at most ${MAX_DRAFT_WAIT_MS} (25 s); poll again for longer waits`,
    )
    .optional(),
});
export type DraftStatusInput = z.infer<typeof draftStatusInputSchema>;
