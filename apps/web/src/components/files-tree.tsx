import { useMemo, useState } from "react";
import { flattenFileTree } from "../file-tree.js";
import { formatBytes, shortDigest } from "../format.js";
import { useTrpcInfinite } from "../query.js";
import { ErrorBox, Loading } from "./status.js";
import { VirtualList } from "./virtual-list.js";

/**
 * A version's files as a collapsible tree with sizes and digests; references show their URI.
 * The manifest is read in pages of 1,000 entries as the list scrolls (a version may hold millions).
 */
export function FilesTree(props: { entity: string; project: string; ref: string }) {
  const manifest = useTrpcInfinite("artifacts.manifest", {
    entity: props.entity,
    project: props.project,
    ref: props.ref,
    limit: 1000,
  });
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const entries = useMemo(
    () => manifest.data?.pages.flatMap((p) => p.entries) ?? [],
    [manifest.data],
  );
  const rows = useMemo(() => flattenFileTree(entries, collapsed), [entries, collapsed]);
  const toggle = (path: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  if (manifest.isPending) return <Loading what="files" />;
  if (manifest.error) return <ErrorBox error={manifest.error} />;
  return (
    <VirtualList
      label="Files"
      items={rows}
      rowHeight={30}
      height={Math.min(420, Math.max(120, rows.length * 30 + 4))}
      keyOf={(r) => `${r.kind}:${r.path}`}
      hasMore={manifest.hasNextPage}
      loadingMore={manifest.isFetchingNextPage}
      loadMore={() => void manifest.fetchNextPage()}
      header={
        <div className="row-cells file-row vlist-head" aria-hidden="true">
          <span>Path</span>
          <span>Size</span>
          <span>Digest / reference</span>
        </div>
      }
      renderRow={(r) =>
        r.kind === "dir" ? (
          <div className="row-cells file-row">
            <button
              type="button"
              className="link tree-dir"
              style={{ paddingLeft: r.depth * 16 }}
              aria-expanded={r.open}
              onClick={() => toggle(r.path)}
            >
              {r.open ? "▾" : "▸"} {r.name}/
            </button>
            <span>{formatBytes(r.bytes)}</span>
            <span className="muted">
              {r.files} file{r.files === 1 ? "" : "s"}
            </span>
          </div>
        ) : (
          <div className="row-cells file-row">
            <span className="mono" title={r.entry.path} style={{ paddingLeft: r.depth * 16 + 14 }}>
              {r.name}
            </span>
            <span>{formatBytes(r.entry.size)}</span>
            <span className="mono small" title={r.entry.digest}>
              {r.entry.ref ? (
                <>
                  <span className="chip ref">ref</span> {r.entry.ref}
                </>
              ) : (
                shortDigest(r.entry.digest, 16)
              )}
            </span>
          </div>
        )
      }
    />
  );
}
