import { useInfiniteQuery, useQueries } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { fitHeight, GridHead, GridRow } from "../components/grid-table.js";
import { ErrorBox, Loading } from "../components/status.js";
import { VirtualList } from "../components/virtual-list.js";
import { formatBytes, formatDate, formatNumber } from "../format.js";
import { nextCursor, useTRPC } from "../query.js";
import { Link, navigate, useTitle } from "../router.js";

const COLUMNS =
  "28px minmax(56px, 0.5fr) minmax(90px, 1fr) minmax(60px, 0.6fr) minmax(70px, 0.7fr) minmax(120px, 2fr) minmax(90px, 1fr) minmax(120px, 1fr)";

/**
 * One artifact collection: its versions as a table (paged, virtualised) with file count, size,
 * description and producing run; tick two versions to compare them.
 */
export function CollectionPage(props: { entity: string; project: string; name: string }) {
  const { entity, project, name } = props;
  useTitle(name, `${entity}/${project}`);
  const trpc = useTRPC();
  const versions = useInfiniteQuery(
    trpc.artifacts.listVersions.infiniteQueryOptions(
      { entity, project, name, limit: 200 },
      { getNextPageParam: nextCursor },
    ),
  );
  const items = useMemo(
    () => versions.data?.pages.flatMap((p) => p.versions) ?? [],
    [versions.data],
  );
  // The producing runs' names: one query per distinct run (batched into one HTTP request).
  const runIds = useMemo(
    () => [...new Set(items.flatMap((v) => (v.createdByRunId ? [v.createdByRunId] : [])))],
    [items],
  );
  const runs = useQueries({
    queries: runIds.slice(0, 200).map((id) => trpc.runs.get.queryOptions({ entity, project, id })),
  });
  const runName = new Map(
    runs.flatMap((r) => (r.data ? [[r.data.id, r.data.name ?? r.data.id]] : [])),
  );
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (version: string) =>
    // Keep at most two: the last pick and this one.
    setPicked((prev) =>
      prev.includes(version) ? prev.filter((v) => v !== version) : [...prev.slice(-1), version],
    );
  const compare = () => {
    const byNumber = [...picked].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    navigate({
      page: "diff",
      entity,
      project,
      a: `${name}:${byNumber[0]}`,
      b: `${name}:${byNumber[1]}`,
    });
  };
  if (versions.error) return <ErrorBox error={versions.error} what={`Artifact ${name}`} />;
  return (
    <section>
      <h1>{name}</h1>
      {items[0] ? <p className="muted">type: {items[0].type}</p> : null}
      <p className="inline-form">
        <button type="button" disabled={picked.length !== 2} onClick={compare}>
          Compare {picked.length === 2 ? `${picked[0]} and ${picked[1]}` : "two versions"}
        </button>
        <span className="muted small">
          {picked.length === 2 ? "" : "Tick two versions in the table to compare them."}
        </span>
      </p>
      <h2>Versions</h2>
      {versions.isPending ? <Loading what="versions" /> : null}
      {versions.data ? (
        <VirtualList
          label={`Versions of ${name}`}
          items={items}
          rowHeight={40}
          height={fitHeight(items.length, 40, 480, 100)}
          keyOf={(v) => v.id}
          hasMore={versions.hasNextPage}
          loadingMore={versions.isFetchingNextPage}
          loadMore={() => void versions.fetchNextPage()}
          status={`${formatNumber(items.length)} version${items.length === 1 ? "" : "s"} loaded`}
          header={
            <GridHead columns={COLUMNS}>
              <span />
              <span>Version</span>
              <span>Aliases · tags</span>
              <span>Files</span>
              <span>Size</span>
              <span>Description</span>
              <span>Logged by run</span>
              <span>Created</span>
            </GridHead>
          }
          renderRow={(v) => (
            <GridRow columns={COLUMNS}>
              <input
                type="checkbox"
                checked={picked.includes(v.version)}
                onChange={() => toggle(v.version)}
                aria-label={`Compare ${v.version}`}
              />
              <Link to={{ page: "version", entity, project, name, version: v.version }}>
                {v.version}
              </Link>
              <span title={[...v.aliases, ...v.tags].join(", ")}>
                {v.aliases.map((a) => (
                  <span key={a} className="chip">
                    {a}
                  </span>
                ))}
                {v.tags.map((t) => (
                  <span key={t} className="chip tag">
                    {t}
                  </span>
                ))}
              </span>
              <span className="num">{formatNumber(v.fileCount)}</span>
              <span className="num">{formatBytes(v.size)}</span>
              <span className="small" title={v.description ?? ""}>
                {v.description ?? <span className="muted">—</span>}
              </span>
              <span>
                {v.createdByRunId ? (
                  <Link
                    to={{ page: "run", entity, project, id: v.createdByRunId }}
                    title={`run id ${v.createdByRunId}`}
                  >
                    {runName.get(v.createdByRunId) ?? v.createdByRunId}
                  </Link>
                ) : (
                  <span className="muted">—</span>
                )}
              </span>
              <span className="muted small">{formatDate(v.createdAt)}</span>
            </GridRow>
          )}
        />
      ) : null}
    </section>
  );
}
