import { keepPreviousData, useQueries } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { ErrorBox, Loading } from "../components/status.js";
import { formatBytes, formatDate, formatNumber } from "../format.js";
import { collapseFanOuts } from "../lineage/fan-out.js";
import {
  collapsedView,
  explodedView,
  type LineageGraph,
  type LineageGraphNode,
  mergeGraphs,
  type ViewNode,
} from "../lineage/graph-model.js";
import { LineageCanvas } from "../lineage/lineage-canvas.js";
import { useTRPC } from "../query.js";
import {
  DEFAULT_LINEAGE_VIEW,
  type LineageView,
  Link,
  navigate,
  type Route,
  useTitle,
} from "../router.js";
import type { InputOf } from "../trpc.js";

type LineageRoute = Extract<Route, { page: "lineage" }>;
type GraphInput = InputOf<"lineage.graph">;
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

/** The URL form of an expansion: the node as a `lineage.graph` root. */
export function expansionOf(node: LineageGraphNode): string {
  return node.kind === "version"
    ? `v:${node.info.entity}/${node.info.project}/${node.info.name}:${node.info.version}`
    : `r:${node.info.entity}/${node.info.project}/${node.info.id}`;
}

/** The `lineage.graph` input of an expansion from the URL (one hop around that node). */
export function expansionInput(spec: string, maxNodes: number): GraphInput | null {
  const m = /^([vr]):([^/]+)\/([^/]+)\/(.+)$/.exec(spec);
  if (!m?.[2] || !m[3] || !m[4]) return null;
  const root =
    m[1] === "v" ? { kind: "version" as const, ref: m[4] } : { kind: "run" as const, id: m[4] };
  return { entity: m[2], project: m[3], root, depth: 1, maxNodes, direction: "both" };
}

const nodeName = (n: LineageGraphNode) =>
  n.kind === "version" ? n.label : (n.info.name ?? n.info.id);

/**
 * The lineage of a version or run as a laid-out DAG: collapsed (one node per artifact and job
 * type) or exploded (every run and version, large fan-outs grouped). View mode, depth, cap and
 * expansions live in the URL. A click selects a node and shows its details with a link to its
 * page; nodes with neighbours left out (size cap or depth limit) carry a "more" marker.
 */
export function LineagePage(props: { route: LineageRoute }) {
  const { entity, project, root } = props.route;
  const settings = props.route.view ?? DEFAULT_LINEAGE_VIEW;
  const { mode, depth, maxNodes } = settings;
  const rootLabel = root.kind === "version" ? root.ref : `run ${root.id}`;
  useTitle(`Lineage of ${rootLabel}`, `${entity}/${project}`);
  const trpc = useTRPC();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const setView = useCallback(
    (change: Partial<LineageView>) =>
      navigate({ ...props.route, view: { ...settings, ...change } }, { replace: true }),
    [props.route, settings],
  );

  const inputs: GraphInput[] = [
    { entity, project, root, depth, maxNodes, direction: "both" },
    ...settings.expanded.flatMap((x) => {
      const input = expansionInput(x, maxNodes);
      return input ? [input] : [];
    }),
  ];
  const results = useQueries({
    // Keep showing the current graph while a new depth or cap loads, instead of blanking it.
    queries: inputs.map((input) => ({
      ...trpc.lineage.graph.queryOptions(input),
      placeholderData: keepPreviousData,
    })),
  });
  const first = results[0];
  // `results` is a new array every render: key the merge (and so the dagre layout) on when the
  // answers last changed, so it reruns only when one arrives.
  const dataKey = results.map((r) => r.dataUpdatedAt).join();
  const { merged, graphs } = useMemo(() => {
    const graphs = results.flatMap((r) => (r.data ? [r.data as LineageGraph] : []));
    const expandedIds = new Set(
      results.slice(1).flatMap((r) => (r.data?.nodes[0] ? [r.data.nodes[0].id] : [])),
    );
    return { merged: mergeGraphs(graphs, expandedIds), graphs };
  }, [dataKey]);
  const expandedSet = useMemo(() => new Set(settings.expanded), [settings.expanded]);
  const rootId = graphs[0]?.nodes[0]?.id ?? null;
  const view = useMemo(
    () =>
      mode === "collapsed"
        ? collapsedView(merged, rootId, { entity, project })
        : collapseFanOuts(explodedView(merged, rootId)),
    [merged, mode, rootId, entity, project],
  );
  const byId = useMemo(() => new Map(merged.nodes.map((n) => [n.id, n])), [merged]);
  const selected = view.nodes.find((n) => n.id === selectedId) ?? null;

  const expand = (node: LineageGraphNode) => {
    const spec = expansionOf(node);
    if (!expandedSet.has(spec)) setView({ expanded: [...settings.expanded, spec] });
  };

  const loadingMore = results.slice(1).some((r) => r.isFetching);
  const failed = results.find((r) => r.error)?.error;
  return (
    <section aria-labelledby="lineage-title">
      <h1 id="lineage-title">Lineage of {rootLabel}</h1>
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
                  setSelectedId(null);
                  setView({ mode: m });
                }}
              />
              {m === "collapsed" ? "Collapsed" : "Exploded"}
            </label>
          ))}
        </fieldset>
        <label>
          Depth{" "}
          <select value={depth} onChange={(e) => setView({ depth: Number(e.target.value) })}>
            {DEPTHS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Max nodes{" "}
          <select value={maxNodes} onChange={(e) => setView({ maxNodes: Number(e.target.value) })}>
            {CAPS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        {settings.expanded.length > 0 ? (
          <button type="button" onClick={() => setView({ expanded: [] })}>
            Reset expansions ({settings.expanded.length})
          </button>
        ) : null}
        <span className="muted" role="status" aria-live="polite" data-testid="graph-stats">
          {merged.nodes.length} nodes · {merged.edges.length} edges
          {loadingMore ? " · expanding…" : ""}
        </span>
      </div>
      {first?.isPending ? <Loading what="lineage" /> : null}
      {failed ? <ErrorBox error={failed} what={`the lineage of ${rootLabel}`} /> : null}
      {merged.truncated ? (
        <p className="warning" role="note" data-testid="truncated">
          Graph capped at {maxNodes} nodes — {merged.more.size} more to explore: nodes marked “more
          ▸” have neighbours left out. Select one and expand it, or raise the cap.
        </p>
      ) : merged.more.size > 0 ? (
        <p className="muted small" role="note" data-testid="beyond-depth">
          {merged.more.size} node{merged.more.size === 1 ? "" : "s"} marked “more ▸” lead further
          than depth {depth}: select one and expand it, or raise the depth.
        </p>
      ) : null}
      {merged.hidden > 0 ? (
        <p className="muted">
          {merged.hidden} neighbour(s) in projects you cannot read are not shown.
        </p>
      ) : null}
      {graphs.length > 0 ? (
        <div className="graph-layout">
          <LineageCanvas
            key={`${mode}:${view.nodes.length}`}
            view={view}
            selectedId={selectedId}
            onActivate={(n: ViewNode) => setSelectedId(n.id)}
          />
          <aside className="node-panel" aria-label="Selected node">
            {selected ? (
              <NodeDetails
                node={selected}
                byId={byId}
                more={merged.more}
                expanded={expandedSet}
                onExpand={expand}
              />
            ) : (
              <p className="muted">Select a node to see its details.</p>
            )}
            <NodeList view={view.nodes} selectedId={selectedId} onSelect={setSelectedId} />
          </aside>
        </div>
      ) : null}
    </section>
  );
}

/** The detail panel of the selected node: facts, a link to its page, expanding, group members. */
function NodeDetails(props: {
  node: ViewNode;
  byId: Map<string, LineageGraphNode>;
  more: ReadonlySet<string>;
  expanded: ReadonlySet<string>;
  onExpand: (node: LineageGraphNode) => void;
}) {
  const { node, byId } = props;
  const single = node.memberIds.length === 1 ? byId.get(node.memberIds[0] ?? "") : undefined;
  if (single) {
    const expanded = props.expanded.has(expansionOf(single));
    return (
      <div className="node-details" data-testid="node-details">
        <h2>{nodeName(single)}</h2>
        {single.kind === "version" ? (
          <dl className="facts">
            <dt>Artifact</dt>
            <dd>
              {single.info.name} ({single.type})
            </dd>
            <dt>Size</dt>
            <dd>
              {formatBytes(single.info.size)} in {formatNumber(single.info.fileCount)} files
            </dd>
            <dt>Aliases</dt>
            <dd>{single.info.aliases.join(", ") || "none"}</dd>
            <dt>Created</dt>
            <dd>{formatDate(single.info.createdAt)}</dd>
          </dl>
        ) : (
          <dl className="facts">
            <dt>Run id</dt>
            <dd className="mono">{single.info.id}</dd>
            <dt>Job type</dt>
            <dd>{single.jobType ?? "—"}</dd>
            <dt>State</dt>
            <dd>{single.info.state}</dd>
          </dl>
        )}
        <p className="actions">
          <Link to={routeOf(single)}>
            Open {single.kind === "version" ? "version" : "run"} page
          </Link>
          {expanded ? (
            <span className="muted small">expanded</span>
          ) : (
            <button type="button" onClick={() => props.onExpand(single)}>
              Expand neighbours{props.more.has(single.id) ? " (has more)" : ""}
            </button>
          )}
        </p>
      </div>
    );
  }
  return (
    <div className="node-details" data-testid="node-details">
      <h2>{node.label}</h2>
      <p className="muted">{node.detail.replace(" — select to list", "")}</p>
      <ul className="members" aria-label={`Members of ${node.label}`}>
        {node.memberIds.map((id) => {
          const member = byId.get(id);
          return member ? (
            <li key={id}>
              <Link to={routeOf(member)}>{nodeName(member)}</Link>
            </li>
          ) : null;
        })}
      </ul>
    </div>
  );
}

/** The graph's nodes as a list of buttons: the keyboard and screen-reader way through the graph. */
function NodeList(props: {
  view: ViewNode[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}) {
  return (
    <details className="node-list">
      <summary>All {props.view.length} nodes</summary>
      <ul>
        {props.view.map((n) => (
          <li key={n.id} className={props.selectedId === n.id ? "selected" : undefined}>
            <button type="button" className="link" onClick={() => props.onSelect(n.id)}>
              {n.label}
            </button>{" "}
            <span className="muted small">{n.detail}</span>
            {n.more ? <span className="muted small"> · more</span> : null}
          </li>
        ))}
      </ul>
    </details>
  );
}
