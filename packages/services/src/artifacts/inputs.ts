import { jsonObject, MAX_DESCRIPTION_LENGTH, MAX_LIST_PAGE, MAX_MANIFEST_PAGE } from "@cairn/core";
import { z } from "zod";
import {
  artifactSelectorSchema,
  MAX_ENTRIES_PER_REQUEST,
  projectRefSchema,
  ttlInputSchema,
} from "../inputs.js";

/**
 * zod schemas of the artifact reading/editing procedures and of lineage, shared by the routers
 * (which parse with them) and the services (which take their inferred types). Names, aliases and
 * tags get their full validation from the core rules inside the services.
 */

export { MAX_LIST_PAGE };
/** Page size of listings when none is asked for. */
export const DEFAULT_LIST_PAGE = 100;
/** Largest manifest page (core's contract; the `pageManifestEntries` limit). */
export const MAX_MANIFEST_PAGE_SIZE = MAX_MANIFEST_PAGE;
/** Manifest page size when none is asked for. */
export const DEFAULT_MANIFEST_PAGE = 1000;
/** Most diff rows returned by default (the rest is counted in `totals`). */
export const DEFAULT_DIFF_ROWS = 10_000;
/** Deepest lineage graph one request may ask for. */
export const MAX_LINEAGE_DEPTH = 10;
/** Largest node budget of one lineage graph. */
export const MAX_LINEAGE_NODES = 5000;

const listLimit = z.number().int().min(1).max(MAX_LIST_PAGE).optional();
const cursor = z.string().min(1).max(2000).optional();
const artifactName = z.string().min(1).max(128);
const alias = z.string().min(1).max(128);

export const listCollectionsInputSchema = projectRefSchema.extend({
  type: z.string().min(1).max(128).optional(),
  cursor,
  limit: listLimit,
});
export type ListCollectionsInput = z.infer<typeof listCollectionsInputSchema>;

export const listVersionsInputSchema = projectRefSchema.extend({
  name: artifactName,
  cursor,
  limit: listLimit,
  includeDeleted: z.boolean().optional(),
  /** Include each version's metadata (default: `{}` in its place; pages are also bounded in bytes). */
  includeMetadata: z.boolean().optional(),
});
export type ListVersionsInput = z.infer<typeof listVersionsInputSchema>;

export const manifestInputSchema = artifactSelectorSchema.extend({
  /** Start after this path (exclusive). */
  after: z.string().max(4096).optional(),
  /** Or: the `nextCursor` of the previous page. */
  cursor,
  limit: z.number().int().min(1).max(MAX_MANIFEST_PAGE_SIZE).optional(),
  /** Only entries whose path starts with this (byte-wise; `images/` for a folder). */
  prefix: z.string().max(4096).optional(),
});
export type ManifestInput = z.infer<typeof manifestInputSchema>;

export const entryInputSchema = artifactSelectorSchema.extend({
  path: z.string().min(1).max(4096),
});
export type EntryInput = z.infer<typeof entryInputSchema>;

export const fileUrlsInputSchema = artifactSelectorSchema.extend({
  digests: z
    .array(z.string().min(1).max(128))
    .max(
      MAX_ENTRIES_PER_REQUEST,
      `at most ${MAX_ENTRIES_PER_REQUEST} digests per request: ask in pages`,
    ),
});
export type FileUrlsInput = z.infer<typeof fileUrlsInputSchema>;

export const updateVersionInputSchema = artifactSelectorSchema.extend({
  description: z.string().max(MAX_DESCRIPTION_LENGTH).nullish(),
  metadata: jsonObject.optional(),
  tags: z.array(z.string()).max(100).optional(),
  /** The whole alias list of the version after the update. */
  aliases: z.array(z.string()).max(100).optional(),
  ttl: ttlInputSchema.optional(),
});
export type UpdateVersionInput = z.infer<typeof updateVersionInputSchema>;

export const setAliasInputSchema = artifactSelectorSchema.extend({ alias });
export type SetAliasInput = z.infer<typeof setAliasInputSchema>;

export const removeAliasInputSchema = projectRefSchema.extend({ name: artifactName, alias });
export type RemoveAliasInput = z.infer<typeof removeAliasInputSchema>;

export const deleteVersionInputSchema = artifactSelectorSchema.extend({
  deleteAliases: z.boolean().optional(),
});
export type DeleteVersionInput = z.infer<typeof deleteVersionInputSchema>;

export const setCollectionInputSchema = projectRefSchema.extend({
  name: artifactName,
  description: z.string().max(MAX_DESCRIPTION_LENGTH).nullish(),
  /** A duration (`30d`), or `none` / `inherit` for no default. */
  defaultTtl: ttlInputSchema.optional(),
});
export type SetCollectionInput = z.infer<typeof setCollectionInputSchema>;

export const diffInputSchema = projectRefSchema.extend({
  a: z.string().min(1).max(400),
  b: z.string().min(1).max(400),
  limit: z.number().int().min(1).max(DEFAULT_DIFF_ROWS).optional(),
});
export type DiffInput = z.infer<typeof diffInputSchema>;

export const storageInputSchema = projectRefSchema.extend({
  ref: z.string().min(1).max(400).optional(),
});
export type StorageInput = z.infer<typeof storageInputSchema>;

export const auditInputSchema = projectRefSchema.extend({
  name: artifactName.optional(),
  limit: listLimit,
});
export type AuditInput = z.infer<typeof auditInputSchema>;

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
