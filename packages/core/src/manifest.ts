import { z } from "zod";

/**
 * Values allowed in an entry's `extra` (provider metadata such as `etag`, `versionID`). Only
 * strings, safe integers, booleans and null: floats are excluded so the canonical encoding has a
 * single spelling for every value.
 */
export const extraValueSchema = z.union([
  z.string(),
  z.number().int().refine(Number.isSafeInteger, "must be a safe integer"),
  z.boolean(),
  z.null(),
]);

/**
 * One entry of an artifact version's manifest.
 * - `path`: the normalised POSIX path inside the artifact (see `normalizeEntryPath`).
 * - `digest`: for stored files, the lowercase hex SHA-256 of the bytes (also the blob address);
 *   for references, the provider checksum (ETag, MD5, SHA-256 of a `file://`) or, with
 *   `checksum: false`, the URI itself.
 * - `size`: bytes, or null when unknown (a reference logged without checksum).
 * - `ref`: the URI of an external reference; absent for stored files.
 * - `extra`: provider metadata (`etag`, `versionID`, …).
 */
export const manifestEntrySchema = z.object({
  path: z.string().min(1),
  digest: z.string().min(1),
  size: z.number().int().nonnegative().nullable(),
  ref: z.string().min(1).optional(),
  extra: z.record(z.string(), extraValueSchema).optional(),
});

export type ManifestEntry = z.infer<typeof manifestEntrySchema>;
export type ExtraValue = z.infer<typeof extraValueSchema>;
