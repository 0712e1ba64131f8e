import type { ManifestEntry, ParsedReferenceUri } from "@cairn/core";

/** Default cap on the objects one prefix reference may expand to (W&B's limit). */
export const DEFAULT_MAX_OBJECTS = 10_000;

/** Options of `addReference` once defaults are applied. */
export interface ResolveReferenceOptions {
  /** Entry path (single object) or path prefix (prefix / directory) inside the artifact. */
  name?: string | undefined;
  /** Record checksums and sizes (true) or only the URI (false). */
  checksum: boolean;
  /** A prefix expanding to more objects than this fails with TOO_MANY_OBJECTS. */
  maxObjects: number;
}

/** Result of re-checking a reference against its source without downloading it. */
export type VerifyResult = { ok: true } | { ok: false; drifted: string };

/**
 * The scheme-specific part of reference handling. `resolve` is only called with
 * `checksum: true` (a checksum-less reference needs no lookup, see `createReferenceResolvers`).
 */
export interface SchemeResolver {
  /** Produces the manifest entries of one reference (several for a prefix or directory). */
  resolve(parsed: ParsedReferenceUri, options: ResolveReferenceOptions): Promise<ManifestEntry[]>;
  /** Downloads the referenced bytes to `destPath` (atomically), refusing drifted sources. */
  download(entry: ManifestEntry, parsed: ParsedReferenceUri, destPath: string): Promise<void>;
  /** Re-checks the recorded ETag / version / size. */
  verify(entry: ManifestEntry, parsed: ParsedReferenceUri): Promise<VerifyResult>;
}

/** Strips the weak prefix and quotes of an HTTP/S3 ETag: `W/"abc"` → `abc`. */
export function unquoteEtag(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

/** True when an entry was logged with `checksum: false` (its digest is its URI). */
export function isChecksumless(entry: ManifestEntry): boolean {
  return entry.ref !== undefined && entry.digest === entry.ref;
}
