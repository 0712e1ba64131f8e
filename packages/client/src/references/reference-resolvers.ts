import {
  CairnError,
  type ManifestEntry,
  nameForReference,
  parseReferenceUri,
  type ReferenceUriScheme,
} from "@cairn/core";
import { createFileHasher, type FileHasher } from "../hashing/file-hasher.js";
import { createFileResolver } from "./file-resolver.js";
import { createGcsResolver, type GcsResolverOptions } from "./gcs-resolver.js";
import { createHttpResolver, type HttpResolverOptions } from "./http-resolver.js";
import { createS3Resolver, type S3ResolverOptions } from "./s3-resolver.js";
import {
  DEFAULT_MAX_OBJECTS,
  type ResolveReferenceOptions,
  type SchemeResolver,
  type VerifyResult,
} from "./types.js";

/** Options of {@link createReferenceResolvers}: per-scheme settings and shared helpers. */
export interface ReferenceResolversOptions {
  s3?: S3ResolverOptions;
  gcs?: GcsResolverOptions;
  http?: HttpResolverOptions;
  /** Hashes `file://` references; default a cache-less hasher. */
  hasher?: FileHasher;
  /** Replace or add a scheme's resolver (tests, custom stores). */
  overrides?: Partial<Record<ReferenceUriScheme, SchemeResolver>>;
}

/** What `addReference` accepts besides the URI. */
export interface AddReferenceOptions {
  name?: string | undefined;
  checksum?: boolean | undefined;
  maxObjects?: number | undefined;
}

/** Turns reference URIs into manifest entries, downloads them and checks them for drift. */
export interface ReferenceResolvers {
  /**
   * The manifest entries of one reference: one for an object/URL/file, several for an s3/gs
   * prefix or a local directory. With `checksum: false`, one entry whose digest is the URI,
   * without any lookup.
   */
  resolve(uri: string, options?: AddReferenceOptions): Promise<ManifestEntry[]>;
  /** Fetches a reference entry's bytes to `destPath`, refusing a source that drifted. */
  download(entry: ManifestEntry, destPath: string): Promise<void>;
  /** Re-checks a reference entry (ETag, version id, size) without downloading it. */
  verifyReference(entry: ManifestEntry): Promise<VerifyResult>;
}

function normalizeOptions(options: AddReferenceOptions): ResolveReferenceOptions {
  const maxObjects = options.maxObjects ?? DEFAULT_MAX_OBJECTS;
  if (!Number.isSafeInteger(maxObjects) || maxObjects < 1) {
    throw new CairnError(
      "INVALID_INPUT",
      `maxObjects must be a positive integer, got ${String(options.maxObjects)}.`,
    );
  }
  return { name: options.name, checksum: options.checksum ?? true, maxObjects };
}

/** Creates the resolver registry for `s3`, `gs`, `http`, `https` and `file` URIs. */
export function createReferenceResolvers(
  options: ReferenceResolversOptions = {},
): ReferenceResolvers {
  const hasher = options.hasher ?? createFileHasher();
  const http = options.overrides?.http ?? createHttpResolver(options.http);
  const byScheme: Record<ReferenceUriScheme, SchemeResolver> = {
    s3: options.overrides?.s3 ?? createS3Resolver(options.s3),
    gs: options.overrides?.gs ?? createGcsResolver(options.gcs),
    http,
    https: options.overrides?.https ?? http,
    file: options.overrides?.file ?? createFileResolver(hasher),
  };

  const entryUri = (entry: ManifestEntry): string => {
    if (!entry.ref) {
      throw new CairnError(
        "INVALID_INPUT",
        `The entry ${entry.path} is a stored file, not a reference: it has no URI to resolve.`,
        {
          details: { path: entry.path },
        },
      );
    }
    return entry.ref;
  };

  return {
    async resolve(uri, opts = {}) {
      const parsed = parseReferenceUri(uri);
      const normalized = normalizeOptions(opts);
      if (!normalized.checksum) {
        // Only the URI is recorded: no request is made, a prefix is not listed.
        return [
          {
            path: nameForReference(parsed, { name: normalized.name }),
            digest: uri,
            size: null,
            ref: uri,
          },
        ];
      }
      return byScheme[parsed.scheme].resolve(parsed, normalized);
    },
    async download(entry, destPath) {
      const parsed = parseReferenceUri(entryUri(entry));
      await byScheme[parsed.scheme].download(entry, parsed, destPath);
    },
    async verifyReference(entry) {
      const parsed = parseReferenceUri(entryUri(entry));
      return byScheme[parsed.scheme].verify(entry, parsed);
    },
  };
}
