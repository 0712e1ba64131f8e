import { joinEntryPath, normalizeEntryPath } from "./entry-path.js";
import { CairnError } from "./errors.js";
import { quoteValue } from "./names.js";
import { type ParsedReferenceUri, parseReferenceUri, uriBaseName } from "./uri.js";

/**
 * The naming tables of the seeds (`seeds/001_*`, `seeds/002_*`, normative): which entry path each
 * way of adding content to an artifact produces. Pure string rules — the client walks directories
 * and lists buckets, then asks these functions for the names. Every result is a normalised entry
 * path ({@link normalizeEntryPath}).
 */

/** The optional `name` argument of `addFile`, `addDir` and `addReference`. */
export interface NameOption {
  name?: string | undefined;
}

/**
 * The base name of a local path, for either separator (the client may run on Windows):
 * `checkpoints/model.h5` → `model.h5`, `C:\data\model.h5` → `model.h5`.
 */
function localBaseName(localPath: string): string {
  if (typeof localPath !== "string") {
    throw new CairnError(
      "INVALID_PATH",
      `Invalid local path ${quoteValue(localPath)}: it must be a string.`,
    );
  }
  const base = localPath.slice(
    Math.max(localPath.lastIndexOf("/"), localPath.lastIndexOf("\\")) + 1,
  );
  if (base === "" || base === "." || base === "..") {
    throw new CairnError(
      "INVALID_PATH",
      `Cannot name an entry after the local path ${quoteValue(localPath)}: it does not end with a file name. Pass a file path, or give the entry a name with { name }.`,
      { details: { localPath } },
    );
  }
  return base;
}

/**
 * `addFile(localPath, { name })`: the entry is stored under its base name unless `name` gives the
 * path inside the artifact. `model.h5` → `model.h5`; `checkpoints/model.h5` → `model.h5`;
 * `model.h5` with `name: "models/mymodel.h5"` → `models/mymodel.h5`.
 */
export function nameForAddFile(localPath: string, options: NameOption = {}): string {
  if (options.name !== undefined) return normalizeEntryPath(options.name);
  return normalizeEntryPath(localBaseName(localPath));
}

/**
 * `addDir(localPath, { name })`: one file found below the directory, given by its path relative to
 * the directory, is stored at that relative path under the optional prefix `name`.
 * `cat.png` → `cat.png`; with `name: "images"` → `images/cat.png`.
 */
export function nameForDirEntry(relativePathInDir: string, options: NameOption = {}): string {
  if (options.name !== undefined) return joinEntryPath(options.name, relativePathInDir);
  return normalizeEntryPath(relativePathInDir);
}

/** `newFile(name)`: the writable file is stored at `name`. `hello.txt` → `hello.txt`. */
export function nameForNewFile(name: string): string {
  return normalizeEntryPath(name);
}

/**
 * `addReference(uri, { name })` for a single object: `name` when given, else the base name of the
 * URI (`s3://my-bucket/checkpoints/model.h5` → `model.h5`; `https://host/a/b.csv` → `b.csv`;
 * `https://host` → `host`; `file:///data/x.csv` → `x.csv`). See {@link uriBaseName}.
 */
export function nameForReference(
  uri: string | ParsedReferenceUri,
  options: NameOption = {},
): string {
  const parsed = typeof uri === "string" ? parseReferenceUri(uri) : uri;
  if (options.name !== undefined) return normalizeEntryPath(options.name);
  return normalizeEntryPath(uriBaseName(parsed));
}

/**
 * True for an S3/GCS "directory marker" key (ending in `/`, created by consoles for empty
 * folders). It holds no file: prefix expansion skips it rather than naming it.
 */
export function isDirectoryMarkerKey(objectKey: string): boolean {
  return objectKey.endsWith("/");
}

/**
 * `addReference(prefixUri, { name })` when the URI is a prefix that expands to several objects: the
 * entry path of one listed object. The object keeps its path relative to the prefix, under the
 * optional prefix `name`: `s3://my-bucket/images` + `images/cat.png` → `cat.png`; with
 * `name: "images"` → `images/cat.png`.
 *
 * The prefix is a directory: a key belongs to it when it equals it or starts with it plus `/`
 * (so `images` does not take in `images2/x`; list with `prefix + "/"`). A key equal to the prefix
 * is a single object and is named like {@link nameForReference}. A key outside the prefix, or a
 * directory marker (see {@link isDirectoryMarkerKey}), throws INVALID_PATH.
 */
export function nameForPrefixObject(
  prefixUri: string | ParsedReferenceUri,
  objectKey: string,
  options: NameOption = {},
): string {
  const parsed = typeof prefixUri === "string" ? parseReferenceUri(prefixUri) : prefixUri;
  if (parsed.scheme !== "s3" && parsed.scheme !== "gs") {
    throw new CairnError(
      "INVALID_URI",
      `Cannot expand the ${parsed.scheme} reference as a prefix: only s3:// and gs:// URIs name prefixes of objects. Add ${parsed.scheme} references one URI at a time.`,
      { details: { scheme: parsed.scheme } },
    );
  }
  if (typeof objectKey !== "string" || objectKey.length === 0 || isDirectoryMarkerKey(objectKey)) {
    throw new CairnError(
      "INVALID_PATH",
      `The object key ${quoteValue(objectKey)} is empty or a directory marker (ends with "/"): it holds no file. Skip it when expanding a prefix.`,
      { details: { objectKey } },
    );
  }
  // A trailing "/" on the prefix URI ("s3://b/images/") means the same directory as without it.
  const prefix = parsed.key.replace(/\/+$/, "");
  if (objectKey === prefix) return nameForReference(parsed, options);

  const head = prefix === "" ? "" : `${prefix}/`;
  if (!objectKey.startsWith(head)) {
    throw new CairnError(
      "INVALID_PATH",
      `The object key ${quoteValue(objectKey)} is outside the prefix ${quoteValue(prefix)} of ${parsed.scheme}://${parsed.bucket}: a prefix reference only takes keys equal to the prefix or starting with "${head}".`,
      { details: { objectKey, prefix } },
    );
  }
  const relative = objectKey.slice(head.length);
  if (options.name !== undefined) return joinEntryPath(options.name, relative);
  return normalizeEntryPath(relative);
}
