import { ACCESS_ROLES, manifestEntrySchema, PROJECT_VISIBILITIES } from "@cairn/core";
import { z } from "zod";

/**
 * Output schemas shared by several procedures. They describe the answers exactly as the services
 * build them (`.output()` makes TypeScript check each resolver against them) and feed the OpenAPI
 * document (`GET /openapi.json`), so the description cannot drift from what is served.
 */

/** An ISO-8601 timestamp, as every answer spells dates. */
export const timestamp = z.string().describe("ISO-8601 timestamp (UTC)");

/** A JSON object (metadata, config, summary). */
export const jsonObject = z.record(z.string(), z.json());

/** One manifest entry (core's schema: path, digest, size, ref, extra). */
export const manifestEntry = manifestEntrySchema;

/** A version as every answer describes it (`VersionInfo` of `@cairn/services`). */
export const versionInfo = z
  .object({
    id: z.string(),
    entity: z.string(),
    project: z.string(),
    name: z.string(),
    type: z.string(),
    number: z.number().int(),
    version: z.string().describe("`v<number>`"),
    digest: z.string(),
    aliases: z.array(z.string()),
    tags: z.array(z.string()),
    description: z.string().nullable(),
    metadata: jsonObject,
    size: z.number(),
    fileCount: z.number().int(),
    createdAt: timestamp,
    createdByRunId: z.string().nullable(),
    ttl: z.string(),
    expiresAt: timestamp.nullable(),
    state: z.enum(["committed", "deleted"]),
  })
  .meta({ id: "VersionInfo" });

/** A run (`RunInfo` of `@cairn/services`). */
export const runInfo = z
  .object({
    id: z.string(),
    entity: z.string(),
    project: z.string(),
    jobType: z.string().nullable(),
    group: z.string().nullable(),
    sweep: z.string().nullable(),
    name: z.string().nullable(),
    config: jsonObject,
    summary: jsonObject,
    state: z.enum(["running", "finished", "failed", "crashed"]),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "RunInfo" });

/** A project (`ProjectInfo` of `@cairn/services`). */
export const projectInfo = z
  .object({
    id: z.string(),
    entity: z.string(),
    name: z.string(),
    visibility: z.enum(PROJECT_VISIBILITIES),
    description: z.string().nullable(),
    protectedAliases: z.array(z.string()),
    createdAt: timestamp,
    role: z.enum(ACCESS_ROLES),
  })
  .meta({ id: "ProjectInfo" });

/** An artifact (collection) as listings describe it. */
export const collectionSummary = z
  .object({
    name: z.string(),
    type: z.string(),
    description: z.string().nullable(),
    versionCount: z.number().int(),
    latest: z.number().int().optional(),
    defaultTtl: z.string().nullable(),
    updatedAt: timestamp,
  })
  .meta({ id: "CollectionSummary" });

/** Where many small blobs travel in one request (the bundle routes). */
export const bundleTarget = z.object({
  url: z.string(),
  maxBlobs: z.number().int(),
  maxBytes: z.number().int(),
  maxBlobSize: z.number().int(),
});

/** A page cursor: null on the last page. */
export const nextCursor = z.string().nullable();
