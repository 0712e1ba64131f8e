import type { ManifestEntry } from "@cairn/core";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { flattenFileTree } from "../file-tree.js";
import { formatBytes, formatNumber, shortDigest } from "../format.js";
import { nextCursor, useTRPC } from "../query.js";
import { CopyButton } from "./copy-button.js";
import { fitHeight, GridHead, GridRow } from "./grid-table.js";
import { ErrorBox, Loading } from "./status.js";
import { VirtualList } from "./virtual-list.js";

type Selector = { entity: string; project: string; ref: string };

/**
 * A version's files as a collapsible tree: folder totals from the server (over the whole
 * version, not the rows loaded so far), path search, expand/collapse all, copy path, and a click
 * on a file to preview it. The manifest is read in pages of 1,000 entries as the list scrolls.
 */
export function FilesTree(props: {
  selector: Selector;
  fileCount: number;
  selected: string | null;
  onSelect: (entry: ManifestEntry) => void;
}) {
  const { selector } = props;
  const trpc = useTRPC();
  const [query, setQuery] = useState("");
  // Held here, not in the tree: a search in between keeps what was collapsed.
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const search = query.trim();
  return (
    <div className="files">
      <div className="toolbar">
        <label>
          Find{" "}
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="part of a path"
            aria-label="Find files by path"
          />
        </label>
      </div>
      {search ? (
        <SearchResults
          selector={selector}
          query={search}
          selected={props.selected}
          onSelect={props.onSelect}
          trpc={trpc}
        />
      ) : (
        <Tree {...props} collapsed={collapsed} setCollapsed={setCollapsed} />
      )}
    </div>
  );
}

function SearchResults(props: {
  selector: Selector;
  query: string;
  selected: string | null;
  onSelect: (entry: ManifestEntry) => void;
  trpc: ReturnType<typeof useTRPC>;
}) {
  const found = useQuery(
    props.trpc.artifacts.findFiles.queryOptions({
      ...props.selector,
      query: props.query,
      limit: 200,
    }),
  );
  if (found.isPending) return <Loading what="matches" />;
  if (found.error) return <ErrorBox error={found.error} what="the search" />;
  const { entries, truncated } = found.data;
  if (entries.length === 0)
    return (
      <p className="muted" role="status" data-testid="search-status">
        No file path contains “{props.query}”.
      </p>
    );
  return (
    <VirtualList
      label="Matching files"
      items={entries}
      rowHeight={30}
      height={fitHeight(entries.length, 30, 420)}
      keyOf={(e) => e.path}
      testId="search-status"
      status={`${formatNumber(entries.length)}${truncated ? "+" : ""} file${entries.length === 1 ? "" : "s"} match${truncated ? " — type more to narrow it down" : ""}`}
      renderRow={(e) => (
        <FileRow
          entry={e}
          label={e.path}
          depth={0}
          selected={props.selected}
          onSelect={props.onSelect}
        />
      )}
    />
  );
}

function FileRow(props: {
  entry: ManifestEntry;
  label: string;
  depth: number;
  selected: string | null;
  onSelect: (entry: ManifestEntry) => void;
}) {
  const e = props.entry;
  return (
    <GridRow className={`file-row${props.selected === e.path ? " selected" : ""}`}>
      <button
        type="button"
        className="link file-name mono"
        title={e.path}
        style={{ paddingLeft: props.depth * 16 + 14 }}
        aria-current={props.selected === e.path ? "true" : undefined}
        onClick={() => props.onSelect(e)}
      >
        {props.label}
      </button>
      <span>{formatBytes(e.size)}</span>
      <span className="mono small digest" title={e.ref ?? e.digest}>
        {e.ref ? (
          <>
            <span className="chip ref">ref</span> {e.ref}
          </>
        ) : (
          shortDigest(e.digest, 16)
        )}
      </span>
      <CopyButton text={e.path} label={`Copy path ${e.path}`} className="copy small" />
    </GridRow>
  );
}

function Tree(props: {
  selector: Selector;
  fileCount: number;
  selected: string | null;
  onSelect: (entry: ManifestEntry) => void;
  collapsed: ReadonlySet<string>;
  setCollapsed: (update: (prev: ReadonlySet<string>) => ReadonlySet<string>) => void;
}) {
  const { collapsed, setCollapsed } = props;
  const trpc = useTRPC();
  const manifest = useInfiniteQuery(
    trpc.artifacts.manifest.infiniteQueryOptions(
      { ...props.selector, limit: 1000 },
      { getNextPageParam: nextCursor },
    ),
  );
  const folders = useQuery(trpc.artifacts.folders.queryOptions(props.selector));
  const totals = useMemo(
    () => new Map((folders.data?.folders ?? []).map((f) => [f.path, f])),
    [folders.data],
  );
  const entries = useMemo(
    () => manifest.data?.pages.flatMap((p) => p.entries) ?? [],
    [manifest.data],
  );
  const rows = useMemo(
    () => flattenFileTree(entries, collapsed, totals),
    [entries, collapsed, totals],
  );
  const toggle = (path: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  if (manifest.isPending) return <Loading what="files" />;
  if (manifest.error) return <ErrorBox error={manifest.error} what="the files" />;
  const allFolders = folders.data?.folders.map((f) => f.path) ?? [];
  return (
    <>
      {allFolders.length > 0 ? (
        <p className="actions">
          <button type="button" onClick={() => setCollapsed(() => new Set())}>
            Expand all
          </button>
          <button type="button" onClick={() => setCollapsed(() => new Set(allFolders))}>
            Collapse all
          </button>
        </p>
      ) : null}
      <VirtualList
        label="Files"
        items={rows}
        rowHeight={30}
        height={fitHeight(rows.length, 30, 460, 120)}
        keyOf={(r) => `${r.kind}:${r.path}`}
        hasMore={manifest.hasNextPage}
        loadingMore={manifest.isFetchingNextPage}
        loadMore={() => void manifest.fetchNextPage()}
        testId="files-status"
        status={`${formatNumber(entries.length)} of ${formatNumber(props.fileCount)} files loaded`}
        header={
          <GridHead className="file-row" hidden>
            <span>Path</span>
            <span>Size</span>
            <span>Digest / reference</span>
            <span />
          </GridHead>
        }
        renderRow={(r) =>
          r.kind === "dir" ? (
            <GridRow className="file-row">
              <button
                type="button"
                className="link tree-dir"
                style={{ paddingLeft: r.depth * 16 }}
                aria-expanded={r.open}
                onClick={() => toggle(r.path)}
                title={r.path}
              >
                {r.open ? "▾" : "▸"} {r.name}/
              </button>
              <span>{formatBytes(r.bytes)}</span>
              <span className="muted" data-testid={`folder-count-${r.path}`}>
                {formatNumber(r.files)} file{r.files === 1 ? "" : "s"}
              </span>
              <CopyButton
                text={`${r.path}/`}
                label={`Copy path ${r.path}/`}
                className="copy small"
              />
            </GridRow>
          ) : (
            <FileRow
              entry={r.entry}
              label={r.name}
              depth={r.depth}
              selected={props.selected}
              onSelect={props.onSelect}
            />
          )
        }
      />
    </>
  );
}
