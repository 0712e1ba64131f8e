import { copyFile, mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import {
  CairnError,
  formatReferenceUri,
  type ManifestEntry,
  nameForDirEntry,
  nameForReference,
  type ParsedReferenceUri,
} from "@cairn/core";
import type { FileHasher } from "../hashing/file-hasher.js";
import { walkFilesSync } from "../local-files.js";
import { drift } from "./reference-errors.js";
import { isChecksumless, type SchemeResolver } from "./types.js";

function pathOf(parsed: ParsedReferenceUri): string {
  if (parsed.scheme !== "file")
    throw new CairnError("INVALID_URI", `The file resolver got a ${parsed.scheme}:// URI.`);
  return parsed.path;
}

/**
 * `file://` references: the bytes stay where they are (e.g. a shared NFS mount), the entry
 * records their SHA-256 and size. A directory expands to every file below it (named like
 * `addDir`), at most `maxObjects`.
 */
export function createFileResolver(hasher: FileHasher): SchemeResolver {
  const verify: SchemeResolver["verify"] = async (entry, parsed) => {
    const source = pathOf(parsed);
    let current: { digest: string; size: number };
    try {
      current = await hasher.hashFile(source);
    } catch (err) {
      return { ok: false, drifted: (err as Error).message };
    }
    if (isChecksumless(entry)) return { ok: true };
    if (current.digest !== entry.digest)
      return { ok: false, drifted: `SHA-256 changed from ${entry.digest} to ${current.digest}` };
    if (entry.size !== null && current.size !== entry.size)
      return { ok: false, drifted: `size changed from ${entry.size} to ${current.size} bytes` };
    return { ok: true };
  };

  return {
    async resolve(parsed, opts) {
      const root = pathOf(parsed);
      const s = await stat(root).catch((err: unknown) => {
        throw new CairnError(
          "NOT_FOUND",
          `Nothing found at ${formatReferenceUri(parsed)}: the local path ${root} does not exist. Check the path (file:// URIs are absolute).`,
          {
            cause: err,
            details: { path: root },
          },
        );
      });
      if (s.isFile()) {
        const [hashed] = await hasher.hashFiles([root]);
        return [
          {
            path: nameForReference(parsed, { name: opts.name }),
            digest: hashed!.digest,
            size: hashed!.size,
            ref: formatReferenceUri(parsed),
          },
        ];
      }
      const files = walkFilesSync(root);
      if (files.length > opts.maxObjects) {
        throw new CairnError(
          "TOO_MANY_OBJECTS",
          `The directory ${formatReferenceUri(parsed)} holds ${files.length} files, more than the maxObjects limit of ${opts.maxObjects}. Nothing was added: raise it with addReference(uri, { maxObjects: N }) or reference a narrower directory.`,
          {
            details: {
              uri: formatReferenceUri(parsed),
              maxObjects: opts.maxObjects,
              found: files.length,
            },
          },
        );
      }
      const hashed = await hasher.hashFiles(files.map((f) => f.absolutePath));
      return files.map(
        (f, i): ManifestEntry => ({
          path: nameForDirEntry(f.relativePath, { name: opts.name }),
          digest: hashed[i]!.digest,
          size: hashed[i]!.size,
          ref: formatReferenceUri({ scheme: "file", path: f.absolutePath.replaceAll("\\", "/") }),
        }),
      );
    },

    async download(entry, parsed, destPath) {
      const source = pathOf(parsed);
      if (!isChecksumless(entry)) {
        const check = await verify(entry, parsed);
        if (!check.ok) throw drift(formatReferenceUri(parsed), check.drifted);
      }
      await mkdir(dirname(destPath), { recursive: true });
      await copyFile(source, destPath);
    },

    verify,
  };
}
