import { CairnError } from "./errors.js";

/**
 * Lineage: the directed bipartite graph of runs and artifact versions. A run → the versions it
 * logged; a version → the runs that used it. Traversal is pure over an async {@link EdgeSource},
 * so the server backs it with SQL and tests with a map.
 */

/** A node of the lineage graph. */
export type LineageNode =
  | { readonly kind: "run"; readonly id: string }
  | { readonly kind: "version"; readonly id: string };

/** An edge: `logged` goes run → version, `used` goes version → run. */
export interface LineageEdge {
  readonly kind: "logged" | "used";
  readonly from: LineageNode;
  readonly to: LineageNode;
}

/**
 * Where edges come from. One-step queries, each answered by an index lookup; the optional batch
 * variants (one query per BFS level instead of one per node) are used when present.
 */
export interface EdgeSource {
  /** The run that logged the version, or null (e.g. logged outside a run). */
  loggedBy(versionId: string): Promise<string | null>;
  /** The runs that used the version as an input. */
  usedBy(versionId: string): Promise<readonly string[]>;
  /** The versions the run logged. */
  loggedArtifacts(runId: string): Promise<readonly string[]>;
  /** The versions the run used. */
  usedArtifacts(runId: string): Promise<readonly string[]>;
  /** Batch {@link EdgeSource.loggedBy}: ids missing from the map have no logging run. */
  loggedByMany?(versionIds: readonly string[]): Promise<ReadonlyMap<string, string | null>>;
  /** Batch {@link EdgeSource.usedBy}: ids missing from the map have no users. */
  usedByMany?(versionIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
  /** Batch {@link EdgeSource.loggedArtifacts}: ids missing from the map logged nothing. */
  loggedArtifactsMany?(runIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
  /** Batch {@link EdgeSource.usedArtifacts}: ids missing from the map used nothing. */
  usedArtifactsMany?(runIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
}

/** `upstream`: ancestors (what it was made from); `downstream`: descendants; `both`: the two. */
export type LineageDirection = "upstream" | "downstream" | "both";

/** Options of {@link traverseLineage}. */
export interface TraverseOptions {
  /** Default `both`. */
  readonly direction?: LineageDirection;
  /** Hops from the root (0 = the root alone). Default {@link DEFAULT_LINEAGE_DEPTH}. */
  readonly depth?: number;
  /** Most nodes returned, root included. Default {@link DEFAULT_LINEAGE_MAX_NODES}. */
  readonly maxNodes?: number;
}

/** A kept node whose neighbours in `direction` were cut off by `maxNodes`. */
export interface LineageFrontierItem {
  readonly node: LineageNode;
  readonly direction: "upstream" | "downstream";
}

/** A traversed (sub)graph. */
export interface LineageGraph {
  /** Nodes in BFS order, the root first. */
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
  /** True when `maxNodes` cut the traversal short (the depth limit alone does not set it). */
  readonly truncated: boolean;
  /** Where to show a "more" marker and re-query from; empty unless truncated. */
  readonly frontier: readonly LineageFrontierItem[];
  /**
   * Nodes of the last level the depth limit stopped at that have neighbours outside the graph:
   * a "more" marker like the frontier's, found with one extra lookup (empty when truncated).
   */
  readonly beyondDepth: readonly LineageFrontierItem[];
}

/** Default depth of a lineage query: enough for a pipeline view without a whole-project crawl. */
export const DEFAULT_LINEAGE_DEPTH = 3;
/** Default node budget: a graph a browser can lay out interactively. */
export const DEFAULT_LINEAGE_MAX_NODES = 500;

/** A stable string key of a node, e.g. `run:abc` or `version:42`. */
export function lineageNodeKey(node: LineageNode): string {
  return `${node.kind}:${node.id}`;
}

function edgeKey(edge: LineageEdge): string {
  return `${lineageNodeKey(edge.from)}>${lineageNodeKey(edge.to)}`;
}

type Step = "upstream" | "downstream";
interface Item {
  readonly node: LineageNode;
  readonly direction: Step;
}

function nonNegativeInt(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new CairnError(
      "INVALID_INPUT",
      `lineage ${name} ${String(value)} is invalid; give an integer ≥ ${String(min)}.`,
    );
  }
  return value;
}

/**
 * Breadth-first walk from `root`, `depth` hops at most, keeping at most `maxNodes` nodes.
 * Cycle-safe (a run resumed to use its own descendant makes a cycle): each node is expanded once
 * per direction. With `both`, ancestors are followed upstream and descendants downstream only, so
 * siblings (other outputs of an ancestor run) are not pulled in.
 */
export async function traverseLineage(
  source: EdgeSource,
  root: LineageNode,
  options: TraverseOptions = {},
): Promise<LineageGraph> {
  const direction = options.direction ?? "both";
  if (direction !== "upstream" && direction !== "downstream" && direction !== "both") {
    throw new CairnError(
      "INVALID_INPUT",
      `lineage direction ${JSON.stringify(direction)} is invalid; use upstream, downstream or both.`,
    );
  }
  const depth = nonNegativeInt("depth", options.depth ?? DEFAULT_LINEAGE_DEPTH, 0);
  const maxNodes = nonNegativeInt("maxNodes", options.maxNodes ?? DEFAULT_LINEAGE_MAX_NODES, 1);

  const nodes = new Map<string, LineageNode>([[lineageNodeKey(root), root]]);
  const edges = new Map<string, LineageEdge>();
  const frontier = new Map<string, LineageFrontierItem>();
  const expanded = new Set<string>();
  let truncated = false;

  let level: Item[] = (
    direction === "both" ? (["upstream", "downstream"] as const) : [direction]
  ).map((d) => ({ node: root, direction: d }));
  for (const item of level) expanded.add(`${item.direction}|${lineageNodeKey(root)}`);

  for (let hop = 1; hop <= depth && level.length > 0; hop++) {
    const neighbours = await fetchNeighbours(source, level);
    const next: Item[] = [];
    for (const [i, item] of level.entries()) {
      for (const neighbour of neighbours[i] ?? []) {
        const key = lineageNodeKey(neighbour);
        if (!nodes.has(key)) {
          if (nodes.size >= maxNodes) {
            truncated = true;
            frontier.set(`${item.direction}|${lineageNodeKey(item.node)}`, item);
            continue;
          }
          nodes.set(key, neighbour);
        }
        const edge = orient(item, neighbour);
        edges.set(edgeKey(edge), edge);
        const expandKey = `${item.direction}|${key}`;
        if (!expanded.has(expandKey)) {
          expanded.add(expandKey);
          next.push({ node: neighbour, direction: item.direction });
        }
      }
    }
    // Once over budget, stop querying: nodes kept but not yet expanded are the frontier too.
    if (truncated) {
      if (hop < depth)
        for (const item of next)
          frontier.set(`${item.direction}|${lineageNodeKey(item.node)}`, item);
      break;
    }
    level = next;
  }
  // The depth limit cut the walk short: one more lookup says which last-level nodes have more.
  const beyondDepth: LineageFrontierItem[] = [];
  if (!truncated && level.length > 0) {
    const beyond = await fetchNeighbours(source, level);
    for (const [i, item] of level.entries()) {
      if ((beyond[i] ?? []).some((n) => !nodes.has(lineageNodeKey(n)))) beyondDepth.push(item);
    }
  }

  return {
    nodes: [...nodes.values()],
    edges: [...edges.values()],
    truncated,
    frontier: [...frontier.values()],
    beyondDepth,
  };
}

/** The edge between an expanded node and a neighbour, pointing the way lineage flows. */
function orient(item: Item, neighbour: LineageNode): LineageEdge {
  const [from, to] =
    item.direction === "downstream" ? [item.node, neighbour] : [neighbour, item.node];
  return { kind: from.kind === "run" ? "logged" : "used", from, to };
}

/** Neighbours of every item of one BFS level, in level order, using batch lookups when offered. */
async function fetchNeighbours(
  source: EdgeSource,
  level: readonly Item[],
): Promise<LineageNode[][]> {
  const ids = (kind: LineageNode["kind"], dir: Step) => [
    ...new Set(
      level.filter((i) => i.node.kind === kind && i.direction === dir).map((i) => i.node.id),
    ),
  ];

  const [upVersions, upRuns, downVersions, downRuns] = await Promise.all([
    // version upstream: the run that logged it
    lookup(
      ids("version", "upstream"),
      source.loggedByMany?.bind(source),
      async (id) => {
        const run = await source.loggedBy(id);
        return run === null ? [] : [run];
      },
      (v: string | null) => (v === null ? [] : [v]),
    ),
    // run upstream: the versions it used
    lookup(
      ids("run", "upstream"),
      source.usedArtifactsMany?.bind(source),
      (id) => source.usedArtifacts(id),
      list,
    ),
    // version downstream: the runs that used it
    lookup(
      ids("version", "downstream"),
      source.usedByMany?.bind(source),
      (id) => source.usedBy(id),
      list,
    ),
    // run downstream: the versions it logged
    lookup(
      ids("run", "downstream"),
      source.loggedArtifactsMany?.bind(source),
      (id) => source.loggedArtifacts(id),
      list,
    ),
  ]);

  return level.map((item) => {
    const table =
      item.direction === "upstream"
        ? item.node.kind === "version"
          ? upVersions
          : upRuns
        : item.node.kind === "version"
          ? downVersions
          : downRuns;
    const kind = item.node.kind === "version" ? "run" : "version";
    return (table.get(item.node.id) ?? []).map((id): LineageNode => ({ kind, id }));
  });
}

function list(v: readonly string[]): readonly string[] {
  return v;
}

async function lookup<V>(
  ids: readonly string[],
  many: ((ids: readonly string[]) => Promise<ReadonlyMap<string, V>>) | undefined,
  one: (id: string) => Promise<readonly string[]>,
  toList: (v: V) => readonly string[],
): Promise<Map<string, readonly string[]>> {
  if (ids.length === 0) return new Map();
  if (many !== undefined) {
    const found = await many(ids);
    return new Map(ids.map((id) => [id, found.has(id) ? toList(found.get(id) as V) : []]));
  }
  const lists = await Promise.all(ids.map(one));
  return new Map(ids.map((id, i) => [id, lists[i] ?? []]));
}

/** A node of the collapsed view: all versions of one collection, or all runs of one jobType. */
export interface CollapsedLineageNode {
  /** `collection:<label>` or `jobType:<label>`: the two kinds never merge even with equal labels. */
  readonly key: string;
  readonly kind: "collection" | "jobType";
  readonly label: string;
  /** Ids of the grouped versions or runs, in graph order. */
  readonly memberIds: readonly string[];
}

/** An edge of the collapsed view; `count` underlying edges were merged into it. */
export interface CollapsedLineageEdge {
  readonly kind: "logged" | "used";
  readonly from: string;
  readonly to: string;
  readonly count: number;
}

/** The collapsed summary view of a lineage graph. */
export interface CollapsedLineage {
  readonly nodes: readonly CollapsedLineageNode[];
  readonly edges: readonly CollapsedLineageEdge[];
  readonly truncated: boolean;
}

/**
 * Collapses a graph into its summary view: one node per artifact collection (versions grouped by
 * `labelOf(version)`, e.g. the collection name) and one per run jobType (`labelOf(run)`), with
 * edges deduplicated and counted. Order follows the first appearance in the input graph.
 */
export function collapseLineage(
  graph: Pick<LineageGraph, "nodes" | "edges"> & { readonly truncated?: boolean },
  labelOf: (node: LineageNode) => string,
): CollapsedLineage {
  const groups = new Map<
    string,
    { kind: "collection" | "jobType"; label: string; memberIds: string[] }
  >();
  const groupOf = new Map<string, string>();
  const place = (node: LineageNode): string => {
    const nodeKey = lineageNodeKey(node);
    const known = groupOf.get(nodeKey);
    if (known !== undefined) return known;
    const label = labelOf(node);
    const kind = node.kind === "version" ? "collection" : "jobType";
    const key = `${kind}:${label}`;
    const group = groups.get(key) ?? { kind, label, memberIds: [] };
    group.memberIds.push(node.id);
    groups.set(key, group);
    groupOf.set(nodeKey, key);
    return key;
  };
  for (const node of graph.nodes) place(node);

  const edges = new Map<
    string,
    { kind: "logged" | "used"; from: string; to: string; count: number }
  >();
  const seen = new Set<string>();
  for (const edge of graph.edges) {
    // The same underlying edge listed twice must not inflate the count.
    const underlying = edgeKey(edge);
    if (seen.has(underlying)) continue;
    seen.add(underlying);
    const from = place(edge.from);
    const to = place(edge.to);
    const key = `${from}>${to}`;
    const existing = edges.get(key);
    if (existing === undefined) edges.set(key, { kind: edge.kind, from, to, count: 1 });
    else existing.count += 1;
  }

  return {
    nodes: [...groups.entries()].map(([key, g]) => ({ key, ...g })),
    edges: [...edges.values()],
    truncated: graph.truncated ?? false,
  };
}
