import { Graph, layout } from "@dagrejs/dagre";
import type { GraphView } from "./graph-model.js";

/** Size of a drawn node; dagre needs it to space ranks and siblings. */
export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;

/** Top-left position of each node, by id. */
export type Positions = Map<string, { x: number; y: number }>;

/**
 * Lays the DAG out left to right (inputs left, outputs right), as lineage reads in the seeds'
 * graph view. Dagre returns centres; React Flow places nodes by their top-left corner.
 */
export function layoutGraph(view: GraphView): Positions {
  const g = new Graph({ multigraph: false });
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of view.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of view.edges) {
    // Self-loops (a run resumed to use its own output) cannot be ranked; draw them unranked.
    if (edge.from !== edge.to) g.setEdge(edge.from, edge.to);
  }
  layout(g);
  const positions: Positions = new Map();
  for (const node of view.nodes) {
    const laid = g.node(node.id);
    positions.set(node.id, {
      x: (laid?.x ?? 0) - NODE_WIDTH / 2,
      y: (laid?.y ?? 0) - NODE_HEIGHT / 2,
    });
  }
  return positions;
}
