import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { formatDate, formatDuration, formatNumber } from "../format.js";
import { nextCursor, useTRPC } from "../query.js";
import { Link } from "../router.js";
import type { OutputOf } from "../trpc.js";
import { fitHeight, GridHead, GridRow } from "./grid-table.js";
import { ErrorBox, Loading } from "./status.js";
import { VirtualList } from "./virtual-list.js";

type Run = OutputOf<"runs.get">;

/** Metric columns shown at most (the most common numeric summary keys of the loaded runs). */
const MAX_METRICS = 6;

/** How long a run took: start to its last update (the finish) once it has ended; null while running. */
export function runDurationMs(run: Pick<Run, "state" | "createdAt" | "updatedAt">): number | null {
  if (run.state === "running") return null;
  return new Date(run.updatedAt).getTime() - new Date(run.createdAt).getTime();
}

/** The numeric summary keys of `runs`, most common first (ties by name), at most `max`. */
export function metricColumns(runs: readonly Pick<Run, "summary">[], max = MAX_METRICS): string[] {
  const counts = new Map<string, number>();
  for (const r of runs)
    for (const [k, v] of Object.entries(r.summary))
      if (typeof v === "number") counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([k]) => k);
}

/**
 * A project's runs as a table: name, job type, state, duration, created, and summary metrics as
 * columns; a metric header sorts by it on the server (`-summary.<metric>`: best first), so the
 * best of a 10,000-run sweep is on the first page.
 */
export function RunsTable(props: { entity: string; project: string }) {
  const { entity, project } = props;
  const trpc = useTRPC();
  const [orderBy, setOrderBy] = useState("-createdAt");
  const runs = useInfiniteQuery(
    trpc.runs.list.infiniteQueryOptions(
      { entity, project, limit: 100, orderBy },
      { getNextPageParam: nextCursor },
    ),
  );
  const items = useMemo(() => runs.data?.pages.flatMap((p) => p.runs) ?? [], [runs.data]);
  // Keep the columns while a re-sorted list loads (no runs for a moment).
  const lastMetrics = useRef<string[]>([]);
  const found = metricColumns(items);
  if (found.length > 0) lastMetrics.current = found;
  const metrics = lastMetrics.current;
  if (runs.isPending && items.length === 0) return <Loading what="runs" />;
  if (runs.error) return <ErrorBox error={runs.error} what="the runs" />;
  const columns = `minmax(120px, 1.4fr) minmax(80px, 1fr) 80px 80px minmax(110px, 1fr)${" minmax(70px, 0.8fr)".repeat(metrics.length)}`;
  const sortHeader = (key: string, label: string) => {
    const active = orderBy === key || orderBy === `-${key}`;
    const descending = orderBy === `-${key}`;
    return (
      <button
        type="button"
        className="link sort"
        onClick={() => setOrderBy(descending ? key : `-${key}`)}
        title={
          active
            ? `Sorted by ${label}, ${descending ? "highest" : "lowest"} first`
            : `Sort by ${label}`
        }
      >
        {label}
        {active ? (descending ? " ▼" : " ▲") : ""}
      </button>
    );
  };
  return (
    <VirtualList
      label="Runs"
      items={items}
      rowHeight={34}
      height={fitHeight(items.length, 34, 360, 100)}
      keyOf={(r) => r.id}
      hasMore={runs.hasNextPage}
      loadingMore={runs.isFetchingNextPage}
      loadMore={() => void runs.fetchNextPage()}
      status={`${formatNumber(items.length)} run${items.length === 1 ? "" : "s"} loaded`}
      header={
        <GridHead columns={columns} className="runs-head">
          <span>Run</span>
          <span>Job type</span>
          <span>State</span>
          <span>Duration</span>
          {sortHeader("createdAt", "Created")}
          {metrics.map((m) => (
            <span key={m}>{sortHeader(`summary.${m}`, m)}</span>
          ))}
        </GridHead>
      }
      renderRow={(r) => {
        const duration = runDurationMs(r);
        return (
          <GridRow columns={columns}>
            <Link to={{ page: "run", entity, project, id: r.id }} title={r.name ?? r.id}>
              {r.name ?? r.id}
            </Link>
            <span className="muted">{r.jobType ?? "—"}</span>
            <span className="muted small">{r.state}</span>
            <span className="small">
              {duration === null ? "running" : formatDuration(duration)}
            </span>
            <span className="muted small">{formatDate(r.createdAt)}</span>
            {metrics.map((m) => {
              const value = r.summary[m];
              return (
                <span key={m} className="num" data-testid={`metric-${m}`}>
                  {typeof value === "number" ? formatNumber(value) : "—"}
                </span>
              );
            })}
          </GridRow>
        );
      }}
    />
  );
}
