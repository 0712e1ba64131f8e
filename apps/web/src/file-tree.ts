import type { ManifestEntry } from "@cairn/core";

/** One visible row of the files tree: a directory (with its subtree's totals) or a file. */
export type FileTreeRow =
  | {
      kind: "dir";
      path: string;
      name: string;
      depth: number;
      files: number;
      bytes: number;
      open: boolean;
    }
  | { kind: "file"; path: string; name: string; depth: number; entry: ManifestEntry };

interface Dir {
  dirs: Map<string, Dir>;
  files: ManifestEntry[];
  count: number;
  bytes: number;
}

const newDir = (): Dir => ({ dirs: new Map(), files: [], count: 0, bytes: 0 });

/**
 * Flattens manifest entries (paths with `/`) into the rows a tree view shows: directories first,
 * then files, each sorted by name, skipping the contents of directories in `collapsed`. Directory
 * rows carry their file count and byte total (unknown sizes count as 0): from `totals` (the
 * server's, over the whole version) when given, else summed from `entries`.
 */
export function flattenFileTree(
  entries: readonly ManifestEntry[],
  collapsed: ReadonlySet<string>,
  totals?: ReadonlyMap<string, { files: number; bytes: number }>,
): FileTreeRow[] {
  const root = newDir();
  for (const entry of entries) {
    const parts = entry.path.split("/");
    let dir = root;
    dir.count += 1;
    dir.bytes += entry.size ?? 0;
    for (const part of parts.slice(0, -1)) {
      let next = dir.dirs.get(part);
      if (!next) {
        next = newDir();
        dir.dirs.set(part, next);
      }
      next.count += 1;
      next.bytes += entry.size ?? 0;
      dir = next;
    }
    dir.files.push(entry);
  }
  const rows: FileTreeRow[] = [];
  const walk = (dir: Dir, prefix: string, depth: number) => {
    for (const [name, sub] of [...dir.dirs].sort(([a], [b]) => a.localeCompare(b))) {
      const path = prefix ? `${prefix}/${name}` : name;
      const open = !collapsed.has(path);
      // The server's totals cover the whole version; the loaded rows may be a first page only.
      const total = totals?.get(path);
      const files = total?.files ?? sub.count;
      const bytes = total?.bytes ?? sub.bytes;
      rows.push({ kind: "dir", path, name, depth, files, bytes, open });
      if (open) walk(sub, path, depth + 1);
    }
    for (const entry of [...dir.files].sort((a, b) => a.path.localeCompare(b.path))) {
      rows.push({
        kind: "file",
        path: entry.path,
        name: entry.path.slice(entry.path.lastIndexOf("/") + 1),
        depth,
        entry,
      });
    }
  };
  walk(root, "", 0);
  return rows;
}
