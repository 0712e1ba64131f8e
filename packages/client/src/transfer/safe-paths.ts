import { join, relative, resolve, sep } from "node:path";
import {
  assertNoPathConflicts,
  CairnError,
  type ManifestEntry,
  normalizeEntryPath,
} from "@cairn/core";

/**
 * Checks every manifest path with core's entry-path rules before anything is written: a manifest
 * from a tampered database or a malicious server (`../../evil.txt`, `/etc/x`, `a` beside `a/b`)
 * is refused with INVALID_PATH, so a download never writes outside its root.
 */
export function assertSafeEntryPaths(entries: readonly Pick<ManifestEntry, "path">[]): void {
  for (const entry of entries) {
    if (normalizeEntryPath(entry.path) !== entry.path) {
      throw new CairnError(
        "INVALID_PATH",
        `The server sent the entry path ${JSON.stringify(entry.path)}, which is not a normalised entry path: refusing to write it (the manifest may be tampered with).`,
        { details: { path: entry.path } },
      );
    }
  }
  assertNoPathConflicts(entries.map((e) => e.path));
}

/** Where `path` (a checked entry path) lands below `root`; throws if it would leave `root`. */
export function destinationOf(root: string, path: string): string {
  const dest = join(root, ...path.split("/"));
  const rel = relative(resolve(root), resolve(dest));
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || resolve(rel) === rel) {
    throw new CairnError(
      "INVALID_PATH",
      `The entry path ${JSON.stringify(path)} would be written outside ${root}: refusing it.`,
      { details: { path } },
    );
  }
  return dest;
}
