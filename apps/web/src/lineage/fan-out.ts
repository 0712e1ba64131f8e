import type { GraphView, ViewEdge, ViewNode } from "./graph-model.js";

/** Leaf neighbours of one kind beyond this many are drawn as one group node. */
export const FAN_OUT_LIMIT = 12;

/** What a group is called: its artifact (versions) or job type (runs) when all members share one. */
function nameOf(node: ViewNode): string {
  return node.kind === "version" ? node.label.replace(/:v\d+$/, "") : node.detail;
}

/**
 * Auto-collapses large fan-outs: when a node has more than `limit` version (or run) neighbours
 * that connect to nothing else, they become one group node ("230 versions") with
 * a counted edge, so a run with 230 outputs is one readable node instead of a wall of thin lines.
 * Neighbours with other edges stay (they carry the rest of the graph).
 */
export function collapseFanOuts(view: GraphView, limit = FAN_OUT_LIMIT): GraphView {
  const degree = new Map<string, number>();
  for (const e of view.edges) {
    degree.set(e.from, (degree.get(e.from) ?? 0) + 1);
    degree.set(e.to, (degree.get(e.to) ?? 0) + 1);
  }
  const byId = new Map(view.nodes.map((n) => [n.id, n]));
  // hub|direction|key → leaf edges
  const buckets = new Map<string, ViewEdge[]>();
  for (const e of view.edges) {
    for (const [hub, leaf, dir] of [
      [e.from, e.to, "out"],
      [e.to, e.from, "in"],
    ] as const) {
      const node = byId.get(leaf);
      if (!node || degree.get(leaf) !== 1 || node.isRoot || hub === leaf) continue;
      const key = `${hub}|${dir}|${node.kind}`;
      const list = buckets.get(key);
      if (list) list.push(e);
      else buckets.set(key, [e]);
    }
  }
  const grouped = new Map<string, string>(); // leaf id → group id
  const groups: ViewNode[] = [];
  const groupEdges: ViewEdge[] = [];
  for (const [key, edges] of buckets) {
    if (edges.length <= limit) continue;
    const [hub, dir] = key.split("|") as [string, "out" | "in"];
    const leaves = edges.map((e) => (dir === "out" ? e.to : e.from));
    if (leaves.some((id) => grouped.has(id) || grouped.has(hub))) continue;
    const first = byId.get(leaves[0] ?? "") as ViewNode;
    const id = `fan:${key}`;
    const isVersion = first.kind === "version";
    const names = new Set(leaves.map((l) => nameOf(byId.get(l) as ViewNode)));
    const count = leaves.length;
    const noun = isVersion ? "versions" : "runs";
    groups.push({
      id,
      kind: isVersion ? "collection" : "jobType",
      label: names.size === 1 ? `${nameOf(first)} ×${count}` : `${count} ${noun}`,
      detail: `${count} ${noun} — select to list`,
      isRoot: false,
      more: leaves.some((l) => byId.get(l)?.more),
      memberIds: leaves.flatMap((l) => byId.get(l)?.memberIds ?? [l]),
    });
    for (const l of leaves) grouped.set(l, id);
    const kind = edges[0]?.kind ?? "logged";
    groupEdges.push({
      id: `${kind}|${dir === "out" ? hub : id}|${dir === "out" ? id : hub}`,
      from: dir === "out" ? hub : id,
      to: dir === "out" ? id : hub,
      kind,
      count,
    });
  }
  if (groups.length === 0) return view;
  return {
    nodes: [...view.nodes.filter((n) => !grouped.has(n.id)), ...groups],
    edges: [...view.edges.filter((e) => !grouped.has(e.from) && !grouped.has(e.to)), ...groupEdges],
  };
}
