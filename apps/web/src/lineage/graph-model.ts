import type { OutputOf } from "../trpc.js";

/** One answer of `lineage.graph`. */
export type LineageGraph = OutputOf<"lineage.graph">;
/** A version or run node of an answer. */
export type LineageGraphNode = LineageGraph["nodes"][number];

/** The union of the root graph and every expansion, deduplicated. */
export interface MergedGraph {
  nodes: LineageGraphNode[];
  edges: LineageGraph["edges"];
  /** Nodes with neighbours the size cap or the depth limit left out, minus those since expanded. */
  more: Set<string>;
  truncated: boolean;
  hidden: number;
}

/**
 * Merges graph answers (the root query first, then one per expanded node) keeping first-seen
 * order, so the layout is stable when a node is expanded.
 */
export function mergeGraphs(
  graphs: readonly LineageGraph[],
  expanded: ReadonlySet<string>,
): MergedGraph {
  const nodes = new Map<string, LineageGraphNode>();
  const edges = new Map<string, LineageGraph["edges"][number]>();
  const more = new Set<string>();
  let truncated = false;
  let hidden = 0;
  for (const graph of graphs) {
    for (const node of graph.nodes) if (!nodes.has(node.id)) nodes.set(node.id, node);
    for (const edge of graph.edges) edges.set(`${edge.kind}|${edge.from}|${edge.to}`, edge);
    for (const f of graph.frontier) more.add(f.id);
    for (const f of graph.beyondDepth) more.add(f.id);
    truncated ||= graph.truncated;
    hidden = Math.max(hidden, graph.hidden);
  }
  for (const id of expanded) more.delete(id);
  return { nodes: [...nodes.values()], edges: [...edges.values()], more, truncated, hidden };
}

/** A node as the canvas draws it, in either mode. */
export interface ViewNode {
  id: string;
  kind: "version" | "run" | "collection" | "jobType";
  label: string;
  detail: string;
  isRoot: boolean;
  /** The graph was cut short at this node ("more" marker). */
  more: boolean;
  /** Members of a collapsed node (version or run ids); the node itself when exploded. */
  memberIds: string[];
}

/** An edge as the canvas draws it; `count` merged edges in collapsed mode. */
export interface ViewEdge {
  id: string;
  from: string;
  to: string;
  kind: "logged" | "used";
  count: number;
}

/** The view of a graph: nodes and edges to lay out. */
export interface GraphView {
  nodes: ViewNode[];
  edges: ViewEdge[];
}

/** Every run and version as its own node (the exploded view). */
export function explodedView(graph: MergedGraph, rootId: string | null): GraphView {
  return {
    nodes: graph.nodes.map((n) => ({
      id: n.id,
      kind: n.kind,
      label: n.kind === "version" ? n.label : (n.info.name ?? n.label),
      detail: n.kind === "version" ? n.type : (n.jobType ?? "run"),
      isRoot: n.id === rootId,
      more: graph.more.has(n.id),
      memberIds: [n.id],
    })),
    edges: graph.edges.map((e) => ({
      id: `${e.kind}|${e.from}|${e.to}`,
      from: e.from,
      to: e.to,
      kind: e.kind,
      count: 1,
    })),
  };
}

/**
 * The summary view: one node per artifact collection and one per run job type, edges merged and
 * counted. Same grouping as the server's `collapsed` answer (collections of other projects keep
 * their full name), computed here so it also covers the nodes added by expanding.
 */
export function collapsedView(
  graph: MergedGraph,
  rootId: string | null,
  here: { entity: string; project: string },
): GraphView {
  const groupOf = new Map<string, string>();
  const groups = new Map<string, ViewNode>();
  for (const n of graph.nodes) {
    const local = n.info.entity === here.entity && n.info.project === here.project;
    const label =
      n.kind === "version"
        ? local
          ? n.info.name
          : `${n.info.entity}/${n.info.project}/${n.info.name}`
        : (n.jobType ?? "(no job type)");
    const key = n.kind === "version" ? `collection:${label}` : `jobType:${label}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        id: key,
        kind: n.kind === "version" ? "collection" : "jobType",
        label,
        detail: "",
        isRoot: false,
        more: false,
        memberIds: [],
      };
      groups.set(key, group);
    }
    group.memberIds.push(n.id);
    group.isRoot ||= n.id === rootId;
    group.more ||= graph.more.has(n.id);
    groupOf.set(n.id, key);
  }
  for (const g of groups.values()) {
    const count = g.memberIds.length;
    g.detail =
      g.kind === "collection"
        ? `${count} version${count === 1 ? "" : "s"}`
        : `${count} run${count === 1 ? "" : "s"}`;
  }
  const edges = new Map<string, ViewEdge>();
  for (const e of graph.edges) {
    const from = groupOf.get(e.from);
    const to = groupOf.get(e.to);
    if (!from || !to) continue;
    const id = `${e.kind}|${from}|${to}`;
    const known = edges.get(id);
    if (known) known.count += 1;
    else edges.set(id, { id, from, to, kind: e.kind, count: 1 });
  }
  return { nodes: [...groups.values()], edges: [...edges.values()] };
}

/** The `lineage.graph` root of a node, to expand its neighbours with a query rooted there. */
export function rootOfNode(node: LineageGraphNode): {
  entity: string;
  project: string;
  root: { kind: "version"; ref: string } | { kind: "run"; id: string };
} {
  return node.kind === "version"
    ? {
        entity: node.info.entity,
        project: node.info.project,
        root: { kind: "version", ref: `${node.info.name}:${node.info.version}` },
      }
    : {
        entity: node.info.entity,
        project: node.info.project,
        root: { kind: "run", id: node.info.id },
      };
}
