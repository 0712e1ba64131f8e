import {
  jsonObject,
  MAX_DESCRIPTION_LENGTH,
  MAX_ENTRIES_PER_REQUEST,
  manifestEntrySchema,
} from "@cairn/core";
import { z } from "zod";

/**
 * zod schemas of service inputs, shared by the tRPC routers (which parse with them) and the
 * services (which take their inferred types). Names and paths get their full validation from the
 * core rules inside the services, with messages that say what is allowed.
 */

// The wire limits live in core's contract module, shared with the client.
export { MAX_ENTRIES_PER_REQUEST };

export const projectRefSchema = z.object({
  entity: z.string().min(1).max(64),
  project: z.string().min(1).max(128),
});
export type ProjectRefInput = z.infer<typeof projectRefSchema>;

export const artifactSelectorSchema = projectRefSchema.extend({ ref: z.string().min(1).max(400) });
export type ArtifactSelectorInput = z.infer<typeof artifactSelectorSchema>;

export const entriesSchema = z
  .array(manifestEntrySchema)
  .max(
    MAX_ENTRIES_PER_REQUEST,
    `at most ${MAX_ENTRIES_PER_REQUEST} entries per request: send bigger artifacts in pages with artifacts.upsert + artifacts.finish (the client does this automatically)`,
  );

/** A TTL as users write it: `inherit`, `none`, or a duration like `30d`. */
export const ttlInputSchema = z.string().min(1).max(32);

export const logInputSchema = projectRefSchema.extend({
  name: z.string().min(1).max(128),
  type: z.string().min(1).max(128),
  description: z.string().max(MAX_DESCRIPTION_LENGTH).nullish(),
  metadata: jsonObject.optional(),
  aliases: z.array(z.string()).max(100).optional(),
  tags: z.array(z.string()).max(100).optional(),
  ttl: ttlInputSchema.optional(),
  runId: z.string().min(1).max(128).optional(),
  entries: entriesSchema,
});
export type LogInput = z.infer<typeof logInputSchema>;

export const useInputSchema = artifactSelectorSchema.extend({ runId: z.string().min(1).max(128) });
export type UseInput = z.infer<typeof useInputSchema>;
