import {
  DIGEST_PATTERN,
  jsonObject,
  MAX_DESCRIPTION_LENGTH,
  MAX_LIST_PAGE,
  MAX_MANIFEST_PAGE,
} from "@cairn/core";
import { z } from "zod";
import {
  artifactSelectorSchema,
  entriesSchema,
  MAX_ENTRIES_PER_REQUEST,
  projectRefSchema,
  ttlInputSchema,
} from "../inputs.js";

/**
 * zod schemas of the artifact procedures (logging, reading, editing), shared by the routers
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

/** Input of `artifacts.relog` (`RelogInput`): the log fields minus entries, plus the version digest the client computed. */
export const relogInputSchema = logInputSchema
  .pick({
    entity: true,
    project: true,
    name: true,
    type: true,
    aliases: true,
    tags: true,
    runId: true,
  })
  .extend({
    digest: z
      .string()
      .regex(DIGEST_PATTERN, "the version digest: 64 lowercase hex characters (SHA-256)"),
  });
