import type { OutputOf } from "./trpc.js";

type Diff = OutputOf<"artifacts.diff">;
type Side = Diff["added"][number];

/** The kinds of change a diff row can be. */
export type ChangeKind = "added" | "removed" | "changed";

/** One row of the diff table: a folder heading (when grouped) or a changed path. */
export type DiffRow =
  | { kind: "folder"; path: string; count: number }
  | { kind: ChangeKind; path: string; before: Side | null; after: Side | null };

function folderOf(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut < 0 ? "" : path.slice(0, cut);
}

/**
 * The rows of a diff, keeping only `kinds`, in path order; with `byFolder`, each folder's paths
 * follow a heading row that counts them (the top level is the folder "").
 */
export function diffRows(diff: Diff, kinds: ReadonlySet<ChangeKind>, byFolder: boolean): DiffRow[] {
  const rows: Array<Exclude<DiffRow, { kind: "folder" }>> = [
    ...diff.added.map((e) => ({ kind: "added" as const, path: e.path, before: null, after: e })),
    ...diff.removed.map((e) => ({
      kind: "removed" as const,
      path: e.path,
      before: e,
      after: null,
    })),
    ...diff.changed.map((c) => ({
      kind: "changed" as const,
      path: c.path,
      before: c.before,
      after: c.after,
    })),
  ]
    .filter((r) => kinds.has(r.kind))
    .sort((a, b) =>
      byFolder
        ? folderOf(a.path).localeCompare(folderOf(b.path)) || a.path.localeCompare(b.path)
        : a.path.localeCompare(b.path),
    );
  if (!byFolder) return rows;
  const out: DiffRow[] = [];
  for (const row of rows) {
    const folder = folderOf(row.path);
    const head = out.findLast((r) => r.kind === "folder");
    if (head?.kind !== "folder" || head.path !== folder)
      out.push({ kind: "folder", path: folder, count: 0 });
    const current = out.findLast((r) => r.kind === "folder");
    if (current?.kind === "folder") current.count += 1;
    out.push(row);
  }
  return out;
}

/** One top-level metadata key that differs between two versions. */
export interface MetadataChange {
  key: string;
  kind: ChangeKind;
  before?: unknown;
  after?: unknown;
}

/** Top-level metadata keys added, removed or changed (compared as JSON), by key. */
export function metadataDiff(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): MetadataChange[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: MetadataChange[] = [];
  for (const key of keys) {
    const inA = Object.hasOwn(a, key);
    const inB = Object.hasOwn(b, key);
    if (!inA) out.push({ key, kind: "added", after: b[key] });
    else if (!inB) out.push({ key, kind: "removed", before: a[key] });
    else if (JSON.stringify(a[key]) !== JSON.stringify(b[key]))
      out.push({ key, kind: "changed", before: a[key], after: b[key] });
  }
  return out;
}
