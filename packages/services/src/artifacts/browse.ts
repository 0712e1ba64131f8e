import { type ManifestEntry, parseReference, qualifyReference } from "@cairn/core";
import { toSafeNumber } from "@cairn/db";
import { sql } from "kysely";
import { z } from "zod";
import type { Actor } from "../actor.js";
import type { ServiceDeps } from "../deps.js";
import { type ArtifactSelectorInput, artifactSelectorSchema } from "../inputs.js";
import { entryOfRow } from "./commit-version.js";
import { resolveVersionInOneQuery } from "./resolve-version.js";

/** Folders listed by `artifacts.folders` at most; a version with more says `truncated`. */
export const MAX_FOLDERS = 10_000;
/** Matches `artifacts.findFiles` returns at most. */
export const MAX_FOUND_FILES = 500;

export const foldersInputSchema = artifactSelectorSchema;
export type FoldersInput = z.infer<typeof foldersInputSchema>;

export const findFilesInputSchema = artifactSelectorSchema.extend({
  /** A substring of the path, matched case-insensitively. */
  query: z.string().min(1).max(400),
  limit: z.number().int().min(1).max(MAX_FOUND_FILES).optional(),
});
export type FindFilesInput = z.infer<typeof findFilesInputSchema>;

/** One folder of a version with the totals of everything below it. */
export interface FolderTotals {
  path: string;
  files: number;
  bytes: number;
}

function resolve(deps: ServiceDeps, actor: Actor | null, input: ArtifactSelectorInput) {
  const ref = qualifyReference(parseReference(input.ref), {
    entity: input.entity,
    project: input.project,
  });
  return resolveVersionInOneQuery(deps.db, actor, ref, "read");
}

/**
 * Every folder of a version with its file count and byte total, computed by the database over
 * the whole manifest (a browser that has loaded one page of entries cannot sum the rest).
 */
export async function versionFolders(
  deps: ServiceDeps,
  actor: Actor | null,
  input: FoldersInput,
): Promise<{ folders: FolderTotals[]; truncated: boolean }> {
  const { manifestId } = await resolve(deps, actor, input);
  const result = await sql<{ path: string; files: string | number; bytes: string | number }>`
    select array_to_string(parts[1:depth], '/') as path,
           count(*) as files,
           coalesce(sum(size), 0) as bytes
    from (
      select string_to_array(path, '/') as parts, size
      from manifest_entries where manifest_id = ${manifestId}
    ) e, generate_series(1, cardinality(parts) - 1) as depth
    group by 1
    order by 1
    limit ${MAX_FOLDERS + 1}`.execute(deps.db);
  const rows = result.rows;
  return {
    folders: rows.slice(0, MAX_FOLDERS).map((r) => ({
      path: r.path,
      files: toSafeNumber(r.files),
      bytes: toSafeNumber(r.bytes),
    })),
    truncated: rows.length > MAX_FOLDERS,
  };
}

/** Entries of a version whose path contains `query` (case-insensitive), in path order. */
export async function findFiles(
  deps: ServiceDeps,
  actor: Actor | null,
  input: FindFilesInput,
): Promise<{ entries: ManifestEntry[]; truncated: boolean }> {
  const { manifestId } = await resolve(deps, actor, input);
  const limit = input.limit ?? 200;
  // LIKE wildcards typed by the user are matched literally.
  const pattern = `%${input.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await deps.db
    .selectFrom("manifest_entries")
    .selectAll()
    .where("manifest_id", "=", manifestId)
    .where(sql<boolean>`path ilike ${pattern}`)
    .orderBy("path")
    .limit(limit + 1)
    .execute();
  return { entries: rows.slice(0, limit).map(entryOfRow), truncated: rows.length > limit };
}

/** Folder totals and path search over one version's manifest (`artifacts.folders`, `findFiles`). */
export function createArtifactBrowseService(deps: ServiceDeps) {
  return {
    folders: (actor: Actor | null, input: FoldersInput) => versionFolders(deps, actor, input),
    findFiles: (actor: Actor | null, input: FindFilesInput) => findFiles(deps, actor, input),
  };
}
