import "@xyflow/react/dist/style.css";
import {
  Background,
  Controls,
  type Edge,
  Handle,
  MarkerType,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from "@xyflow/react";
import { useMemo } from "react";
import type { GraphView, ViewNode } from "./graph-model.js";
import { layoutGraph } from "./layout.js";

type NodeData = { view: ViewNode; selected: boolean };
type CairnNode = Node<NodeData, "cairn">;

const KIND_LABEL: Record<ViewNode["kind"], string> = {
  version: "artifact version",
  run: "run",
  collection: "artifact",
  jobType: "job type",
};

/**
 * A drawn node: a real button, so Tab reaches it and Enter/Space activates it. Its click (mouse
 * or keyboard) bubbles to React Flow's `onNodeClick`, the single place that handles activation.
 */
function CairnNodeView(props: NodeProps<CairnNode>) {
  const { view } = props.data;
  return (
    <>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <button
        type="button"
        className={`graph-node ${view.kind}${view.isRoot ? " root" : ""}${props.data.selected ? " selected" : ""}`}
        aria-pressed={props.data.selected}
        title={`${view.label} — ${view.detail}`}
        aria-label={`${KIND_LABEL[view.kind]} ${view.label}, ${view.detail}${view.more ? ", has more neighbours" : ""}${view.isRoot ? ", root" : ""}`}
        data-node-id={view.id}
      >
        <span className="graph-node-kind">{KIND_LABEL[view.kind]}</span>
        <span className="graph-node-label">{view.label}</span>
        <span className="graph-node-detail">{view.detail}</span>
        {view.more ? (
          <span className="more-marker" data-testid="more-marker">
            more ▸
          </span>
        ) : null}
      </button>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </>
  );
}

const NODE_TYPES = { cairn: CairnNodeView };

/** Zoom-to-fit never goes below this scale: labels stay readable, and the graph pans instead. */
export const MIN_FIT_ZOOM = 0.55;

/**
 * The laid-out DAG: dagre places the nodes, React Flow draws them with pan and zoom. Nodes are
 * not draggable (the layout is the point) and select through their button.
 */
export function LineageCanvas(props: {
  view: GraphView;
  selectedId: string | null;
  onActivate: (node: ViewNode) => void;
}) {
  const { view, onActivate, selectedId } = props;
  // Layout depends on the graph only; selecting a node must not rerun dagre.
  const positions = useMemo(() => layoutGraph(view), [view]);
  const { nodes, edges } = useMemo(() => {
    const nodes: CairnNode[] = view.nodes.map((n) => ({
      id: n.id,
      type: "cairn",
      position: positions.get(n.id) ?? { x: 0, y: 0 },
      data: { view: n, selected: n.id === selectedId },
      draggable: false,
      connectable: false,
      // The inner button takes keyboard focus; a focusable wrapper would be a second tab stop.
      focusable: false,
    }));
    const edges: Edge[] = view.edges.map((e) => ({
      id: e.id,
      source: e.from,
      target: e.to,
      label: e.count > 1 ? `${e.kind} ×${e.count}` : e.kind,
      className: `edge-${e.kind}`,
      markerEnd: { type: MarkerType.ArrowClosed },
      focusable: false,
    }));
    return { nodes, edges };
  }, [view, positions, selectedId]);
  return (
    <div className="graph-canvas" data-testid="lineage-canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodeClick={(_event, node) => onActivate(node.data.view)}
        fitView
        fitViewOptions={{ padding: 0.15, minZoom: MIN_FIT_ZOOM, maxZoom: 1.25 }}
        minZoom={0.1}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        proOptions={{ hideAttribution: false }}
        aria-label="Lineage graph"
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
