import { keepPreviousData, useQueries } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { ErrorBox, Loading } from "../components/status.js";
import {
  collapsedView,
  explodedView,
  type LineageGraph,
  type LineageGraphNode,
  mergeGraphs,
  rootOfNode,
  type ViewNode,
} from "../lineage/graph-model.js";
import { LineageCanvas } from "../lineage/lineage-canvas.js";
import { trpcQueryOptions, useClient } from "../query.js";
import { Link, type Route } from "../router.js";
import type { InputOf } from "../trpc.js";

type Root = { kind: "version"; ref: string } | { kind: "run"; id: string };
const DEPTHS = [1, 2, 3, 4, 5, 6, 8, 10];
const CAPS = [5, 25, 100, 250, 500, 2000];

/** The page a graph node stands for (its version or run page). */
function routeOf(node: LineageGraphNode): Route {
  return node.kind === "version"
    ? {
        page: "version",
        entity: node.info.entity,
        project: node.info.project,
        name: node.info.name,
        version: node.info.version,
      }
    : { page: "run", entity: node.info.entity, project: node.info.project, id: node.info.id };
}

/**
 * The lineage of a version or run as a laid-out DAG: collapsed (one node per artifact and job
 * type) or exploded (every run and version); activating a node fetches its neighbours and merges
 * them in; depth and size cap are adjustable, and a cut-short graph says so and marks where.
 */
export function LineagePage(props: { entity: string; project: string; root: Root }) {
  const { entity, project, root } = props;
  const client = useClient();
  const [mode, setMode] = useState<"collapsed" | "exploded">("exploded");
  const [depth, setDepth] = useState(3);
  const [maxNodes, setMaxNodes] = useState(250);
  const [expanded, setExpanded] = useState<Array<{ id: string; input: InputOf<"lineage.graph"> }>>(
    [],
  );
  const [selected, setSelected] = useState<ViewNode | null>(null);

  const inputs: InputOf<"lineage.graph">[] = [
    { entity, project, root, depth, maxNodes, direction: "both" },
    ...expanded.map((e) => e.input),
  ];
  const results = useQueries({
    // Keep showing the current graph while a new depth or cap loads, instead of blanking it.
    queries: inputs.map((input) => ({
      ...trpcQueryOptions(client, "lineage.graph", input),
      placeholderData: keepPreviousData,
    })),
  });
  const first = results[0];
  const graphs = results.flatMap((r) => (r.data ? [r.data as LineageGraph] : []));
  const expandedIds = useMemo(() => new Set(expanded.map((e) => e.id)), [expanded]);
  // `results` is a new array every render: key the merge (and so the dagre layout) on when the
  // answers last changed instead, so it reruns only when one arrives.
  const dataKey = results.map((r) => r.dataUpdatedAt).join();
  const merged = useMemo(() => mergeGraphs(graphs, expandedIds), [dataKey, expandedIds]);
  const rootId = graphs[0]?.nodes[0]?.id ?? null;
  const view = useMemo(
    () =>
      mode === "collapsed"
        ? collapsedView(merged, rootId, { entity, project })
        : explodedView(merged, rootId),
    [merged, mode, rootId, entity, project],
  );
  const byId = useMemo(() => new Map(merged.nodes.map((n) => [n.id, n])), [merged]);

  const expand = useCallback(
    (id: string) => {
      const node = byId.get(id);
      if (!node) return;
      setExpanded((prev) =>
        prev.some((e) => e.id === id)
          ? prev
          : [
              ...prev,
              { id, input: { ...rootOfNode(node), depth: 1, maxNodes, direction: "both" } },
            ],
      );
    },
    [byId, maxNodes],
  );
  const activate = useCallback(
    (node: ViewNode) => {
      setSelected(node);
      // Exploded: a node's neighbours are fetched and merged in. Collapsed: a group only opens
      // its member list (expanding every member could be thousands of queries).
      if (node.kind === "version" || node.kind === "run") expand(node.id);
    },
    [expand],
  );

  const loadingMore = results.slice(1).some((r) => r.isFetching);
  const failed = results.find((r) => r.error)?.error;
  return (
    <section aria-labelledby="lineage-title">
      <h1 id="lineage-title">Lineage of {root.kind === "version" ? root.ref : `run ${root.id}`}</h1>
      <div className="toolbar" role="toolbar" aria-label="Graph options">
        <fieldset className="segmented">
          <legend className="sr-only">View</legend>
          {(["collapsed", "exploded"] as const).map((m) => (
            <label key={m}>
              <input
                type="radio"
                name="mode"
                value={m}
                checked={mode === m}
                onChange={() => {
                  setMode(m);
                  setSelected(null);
                }}
              />
              {m === "collapsed" ? "Collapsed" : "Exploded"}
            </label>
          ))}
        </fieldset>
        <label>
          Depth{" "}
          <select value={depth} onChange={(e) => setDepth(Number(e.target.value))}>
            {DEPTHS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Max nodes{" "}
          <select value={maxNodes} onChange={(e) => setMaxNodes(Number(e.target.value))}>
            {CAPS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        {expanded.length > 0 ? (
          <button type="button" onClick={() => setExpanded([])}>
            Reset expansions ({expanded.length})
          </button>
        ) : null}
        <span className="muted" role="status" aria-live="polite" data-testid="graph-stats">
          {merged.nodes.length} nodes · {merged.edges.length} edges
          {loadingMore ? " · expanding…" : ""}
        </span>
      </div>
      {first?.isPending ? <Loading what="lineage" /> : null}
      {failed ? <ErrorBox error={failed} /> : null}
      {merged.truncated || merged.more.size > 0 ? (
        <p className="warning" role="note" data-testid="truncated">
          Graph capped at {maxNodes} nodes — {merged.more.size} more to explore: nodes marked “more
          ▸” have neighbours left out. Activate one to load them, or raise the cap.
        </p>
      ) : null}
      {merged.hidden > 0 ? (
        <p className="muted">
          {merged.hidden} neighbour(s) in projects you cannot read are not shown.
        </p>
      ) : null}
      {graphs.length > 0 ? (
        <div className="graph-layout">
          <LineageCanvas key={`${mode}:${view.nodes.length}`} view={view} onActivate={activate} />
          <NodeList
            view={view.nodes}
            selected={selected}
            byId={byId}
            onExpand={expand}
            expandedIds={expandedIds}
          />
        </div>
      ) : null}
    </section>
  );
}

/** The graph's nodes as a list: the keyboard and screen-reader way through the graph. */
function NodeList(props: {
  view: ViewNode[];
  selected: ViewNode | null;
  byId: Map<string, LineageGraphNode>;
  onExpand: (id: string) => void;
  expandedIds: ReadonlySet<string>;
}) {
  return (
    <aside className="node-list" aria-label="Graph nodes">
      {props.selected && props.selected.memberIds.length > 1 ? (
        <p>
          <strong>{props.selected.label}</strong>: {props.selected.detail}
        </p>
      ) : null}
      <ul>
        {(props.selected && props.selected.memberIds.length > 1
          ? props.selected.memberIds
          : props.view.flatMap((v) => v.memberIds)
        ).map((id) => {
          const node = props.byId.get(id);
          if (!node) return null;
          return (
            <li key={id} className={props.selected?.id === id ? "selected" : undefined}>
              <Link to={routeOf(node)}>
                {node.kind === "version" ? node.label : `run ${node.info.name ?? node.info.id}`}
              </Link>{" "}
              <span className="muted small">
                {node.kind === "version" ? node.type : (node.jobType ?? "run")}
              </span>{" "}
              {props.expandedIds.has(id) ? (
                <span className="muted small">expanded</span>
              ) : (
                <button
                  type="button"
                  className="link small"
                  aria-label={`Expand neighbours of ${node.label}`}
                  onClick={() => props.onExpand(id)}
                >
                  expand
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
