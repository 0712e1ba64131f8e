import { MAX_ENTRIES_PER_REQUEST, manifestEntrySchema } from "@cairn/core";
import { z } from "zod";

/**
 * The pieces every domain's input schemas (`<domain>/inputs.ts`) are built from: project
 * references, artifact selectors, entry lists, TTLs. Like the domain schemas they are shared by the
 * tRPC routers (which parse with them) and the services (which take their inferred types). Names
 * and paths get their full validation from the core rules inside the services, with messages that
 * say what is allowed.
 */

// The wire limits live in core's contract module, shared with the client.
export { MAX_ENTRIES_PER_REQUEST };

/** An entity (user or team) name; core's rules validate it fully inside the services. */
export const entityNameSchema = z.string().min(1).max(64);

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
