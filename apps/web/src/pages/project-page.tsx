import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { fitHeight, GridRow } from "../components/grid-table.js";
import { RunsTable } from "../components/runs-table.js";
import { ErrorBox, Loading } from "../components/status.js";
import { StorageSummary } from "../components/storage-summary.js";
import { VirtualList } from "../components/virtual-list.js";
import { formatDate, formatNumber } from "../format.js";
import { nextCursor, useTRPC } from "../query.js";
import { Link, useTitle } from "../router.js";

type Row =
  | { kind: "type"; type: string; count: number }
  | {
      kind: "collection";
      name: string;
      type: string;
      versionCount: number;
      latest?: number | undefined;
      updatedAt: string;
    };

/**
 * A project: its artifact collections grouped by type (paged, virtualised, filtered by any part
 * of a type or name), storage, and a runs table. A missing or unreadable project is one error.
 */
export function ProjectPage(props: { entity: string; project: string }) {
  const { entity, project } = props;
  useTitle(`${entity}/${project}`);
  const trpc = useTRPC();
  const info = useQuery(trpc.projects.get.queryOptions({ entity, project }));
  if (info.isPending) return <Loading what={`${entity}/${project}`} />;
  if (info.error) return <ErrorBox error={info.error} what={`Project ${entity}/${project}`} />;
  return (
    <section>
      <h1>
        {entity}/{project}
      </h1>
      <p className="muted">
        {info.data.visibility} project · your role: {info.data.role}
        {info.data.description ? ` · ${info.data.description}` : ""}
        {info.data.role === "admin" ? (
          <>
            {" · "}
            <Link to={{ page: "hooks", entity, project }}>Webhooks and delivery log</Link>
          </>
        ) : null}
      </p>
      <div className="columns">
        <Collections entity={entity} project={project} />
        <div>
          <h2>Storage</h2>
          <StorageSummary entity={entity} project={project} />
        </div>
      </div>
      <h2>Runs</h2>
      <RunsTable entity={entity} project={project} />
    </section>
  );
}

function Collections(props: { entity: string; project: string }) {
  const { entity, project } = props;
  const trpc = useTRPC();
  const [filter, setFilter] = useState("");
  const collections = useInfiniteQuery(
    trpc.artifacts.listCollections.infiniteQueryOptions(
      { entity, project, limit: 200 },
      { getNextPageParam: nextCursor },
    ),
  );
  const all = useMemo(
    () => collections.data?.pages.flatMap((p) => p.collections) ?? [],
    [collections.data],
  );
  const needle = filter.trim().toLowerCase();
  const { rows, shown } = useMemo(() => {
    const matching = all.filter(
      (c) =>
        !needle || c.type.toLowerCase().includes(needle) || c.name.toLowerCase().includes(needle),
    );
    // Group by type: the server pages in its own order, so sorting keeps each type together.
    const sorted = [...matching].sort(
      (a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name),
    );
    const out: Row[] = [];
    for (const c of sorted) {
      const head = out.findLast((r) => r.kind === "type");
      if (head?.kind !== "type" || head.type !== c.type)
        out.push({ kind: "type", type: c.type, count: 0 });
      const group = out.findLast((r) => r.kind === "type");
      if (group?.kind === "type") group.count += 1;
      out.push({ kind: "collection", ...c });
    }
    return { rows: out, shown: matching.length };
  }, [all, needle]);
  const noun = (n: number) => `${formatNumber(n)} collection${n === 1 ? "" : "s"}`;
  return (
    <div>
      <h2>Artifacts</h2>
      <label>
        Filter{" "}
        <input
          type="search"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder="type or name, e.g. data"
          aria-label="Filter artifacts by type or name"
        />
      </label>
      {collections.isPending ? <Loading what="artifacts" /> : null}
      {collections.error ? <ErrorBox error={collections.error} what="the artifacts" /> : null}
      {collections.data && all.length === 0 ? (
        <p className="muted">
          No artifacts yet. Log one with the client (<code>run.logArtifact</code>) or the CLI (
          <code>cairn put</code>).
        </p>
      ) : null}
      {collections.data && all.length > 0 && shown === 0 ? (
        <p className="muted" role="status" data-testid="filter-empty">
          No collection’s type or name contains “{filter.trim()}”
          {collections.hasNextPage ? " among those loaded" : ""}.
        </p>
      ) : null}
      {collections.data && shown > 0 ? (
        <VirtualList
          label="Artifact collections"
          items={rows}
          rowHeight={36}
          height={fitHeight(rows.length, 36, 420)}
          keyOf={(r) => (r.kind === "type" ? `t:${r.type}` : `c:${r.type}:${r.name}`)}
          hasMore={collections.hasNextPage}
          loadingMore={collections.isFetchingNextPage}
          loadMore={() => void collections.fetchNextPage()}
          testId="collections-status"
          status={needle ? `${noun(shown)} of ${formatNumber(all.length)} match` : noun(all.length)}
          renderRow={(r) =>
            r.kind === "type" ? (
              <h3 className="group-head">
                {r.type} <span className="muted small">({r.count})</span>
              </h3>
            ) : (
              <GridRow className="collection-row">
                <Link to={{ page: "collection", entity, project, name: r.name }} title={r.name}>
                  {r.name}
                </Link>
                <span className="muted">
                  {formatNumber(r.versionCount)} version{r.versionCount === 1 ? "" : "s"}
                  {r.latest !== undefined ? ` · latest v${r.latest}` : ""}
                </span>
                <span className="muted small">{formatDate(r.updatedAt)}</span>
              </GridRow>
            )
          }
        />
      ) : null}
    </div>
  );
}
