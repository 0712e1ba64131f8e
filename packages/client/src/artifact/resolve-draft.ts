import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { computeVersionDigest, type ManifestEntry, sortEntries } from "@cairn/core";
import { createFileHasher, type FileHasher, type FileHashResult } from "../hashing/file-hasher.js";
import { nodeSha256 } from "../hashing/node-sha256.js";
import type { ProgressListener } from "../progress.js";
import {
  createReferenceResolvers,
  type ReferenceResolvers,
} from "../references/reference-resolvers.js";
import { type DraftContents, duplicatePath } from "./draft-contents.js";

/** Dependencies of `Artifact.resolveEntries`; defaults are cache-less and credential-less. */
export interface ResolveEntriesOptions {
  hasher?: FileHasher;
  resolvers?: ReferenceResolvers;
  onProgress?: ProgressListener;
  /** Receives local files as they are hashed (see `FileHasher.hashFiles`), before all are done. */
  onHashed?: (files: readonly FileHashResult[]) => void;
}

/** A draft's computed manifest, its version digest, and the local file behind each stored entry. */
export interface ResolvedDraft {
  entries: ManifestEntry[];
  digest: string;
  localFiles: Map<string, string>;
}

/**
 * Computes a draft's manifest: writes tables to files under `tempDir()`, hashes every local file
 * in one parallel batch (files that must match another added at the same path included), resolves
 * references in call order, and applies the duplicate and removal rules of {@link DraftContents}.
 */
export async function resolveDraft(
  draft: DraftContents,
  tempDir: () => string,
  options: ResolveEntriesOptions,
): Promise<ResolvedDraft> {
  const localFiles = new Map<string, string>();
  for (const item of draft.items.values()) {
    if (item.source.kind === "entry") continue;
    if (item.source.kind === "file") {
      localFiles.set(item.path, item.source.localPath);
    } else {
      const file = join(tempDir(), "media", ...item.path.split("/"));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, item.source.json);
      localFiles.set(item.path, file);
    }
  }
  const toHash = [
    ...new Set([...localFiles.values(), ...[...draft.items.values()].flatMap((i) => i.mustMatch)]),
  ];
  const ownHasher = options.hasher ? undefined : createFileHasher();
  const hasher = options.hasher ?? ownHasher!;
  try {
    const hashed = await hasher.hashFiles(toHash, {
      onProgress: options.onProgress,
      onHashed: options.onHashed,
    });
    const byPath = new Map(hashed.map((h, i) => [toHash[i]!, h]));
    const entries = new Map<string, ManifestEntry & { seq: number; overwrite: boolean }>();
    for (const item of draft.items.values()) {
      if (item.source.kind === "entry") {
        // Carried over from a logged version: known digest, bytes already on the server.
        entries.set(item.path, { ...item.source.entry, seq: item.seq, overwrite: item.overwrite });
        continue;
      }
      const h = byPath.get(localFiles.get(item.path)!)!;
      for (const other of item.mustMatch) {
        if (byPath.get(other)!.digest !== h.digest) {
          throw duplicatePath(item.path, localFiles.get(item.path)!, other);
        }
      }
      entries.set(item.path, {
        path: item.path,
        digest: h.digest,
        size: h.size,
        seq: item.seq,
        overwrite: item.overwrite,
      });
    }
    const resolvers = options.resolvers ?? createReferenceResolvers({ hasher });
    const resolved = [];
    for (const reference of draft.references) {
      resolved.push({
        reference,
        entries: await resolvers.resolve(reference.uri, reference.options),
      });
    }
    draft.mergeReferences(entries, resolved);
    const final = sortEntries(
      [...entries.values()].map(({ seq: _s, overwrite: _o, ...entry }) => entry),
    );
    for (const entry of final) if (entry.ref !== undefined) localFiles.delete(entry.path);
    return { entries: final, digest: computeVersionDigest(final, nodeSha256), localFiles };
  } finally {
    await ownHasher?.close();
  }
}
