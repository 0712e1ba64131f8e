import { describe, expect, it } from "vitest";
import {
  collapsedView,
  explodedView,
  type LineageGraph,
  type LineageGraphNode,
  mergeGraphs,
  rootOfNode,
} from "./graph-model.js";

const version = (name: string, n: number, project = "p"): LineageGraphNode =>
  ({
    id: `version:${name}${n}`,
    kind: "version",
    label: `${name}:v${n}`,
    type: "dataset",
    info: { entity: "e", project, name, version: `v${n}`, number: n },
  }) as unknown as LineageGraphNode;
const run = (id: string, jobType: string): LineageGraphNode =>
  ({
    id: `run:e/p/${id}`,
    kind: "run",
    label: id,
    jobType,
    info: { entity: "e", project: "p", id, name: null },
  }) as unknown as LineageGraphNode;
const graph = (
  nodes: LineageGraphNode[],
  edges: Array<[string, string, "logged" | "used"]>,
  frontier: string[] = [],
  beyondDepth: string[] = [],
): LineageGraph => ({
  nodes,
  edges: edges.map(([from, to, kind]) => ({ from, to, kind })),
  truncated: frontier.length > 0,
  frontier: frontier.map((id) => ({ id, direction: "downstream" as const })),
  beyondDepth: beyondDepth.map((id) => ({ id, direction: "downstream" as const })),
  hidden: 0,
});

const data = version("data", 0);
const t1 = run("t1", "train");
const t2 = run("t2", "train");
const m0 = version("model", 0);

describe("lineage graph model", () => {
  const rootGraph = graph(
    [data, t1, t2],
    [
      [data.id, t1.id, "used"],
      [data.id, t2.id, "used"],
    ],
    [t1.id, t2.id],
  );
  const expansion = graph(
    [t1, data, m0],
    [
      [data.id, t1.id, "used"],
      [t1.id, m0.id, "logged"],
    ],
  );

  it("merges expansions without duplicates, and clears the marker of expanded nodes", () => {
    const merged = mergeGraphs([rootGraph, expansion], new Set([t1.id]));
    expect(merged.nodes.map((n) => n.id)).toEqual([data.id, t1.id, t2.id, m0.id]);
    expect(merged.edges).toHaveLength(3);
    expect([...merged.more]).toEqual([t2.id]);
    expect(merged.truncated).toBe(true);
  });

  it("explodes every node, marking the root and the cut-off ones", () => {
    const view = explodedView(mergeGraphs([rootGraph], new Set()), data.id);
    expect(view.nodes.map((n) => [n.label, n.isRoot, n.more])).toEqual([
      ["data:v0", true, false],
      ["t1", false, true],
      ["t2", false, true],
    ]);
  });

  it("collapses runs by job type and versions by collection, counting merged edges", () => {
    const merged = mergeGraphs([rootGraph, expansion], new Set([t1.id]));
    const view = collapsedView(merged, data.id, { entity: "e", project: "p" });
    expect(view.nodes.map((n) => [n.id, n.detail, n.memberIds.length])).toEqual([
      ["collection:data", "1 version", 1],
      ["jobType:train", "2 runs", 2],
      ["collection:model", "1 version", 1],
    ]);
    expect(view.edges).toContainEqual(
      expect.objectContaining({ from: "collection:data", to: "jobType:train", count: 2 }),
    );
    // A collection of another project keeps its full name, so it never merges with a local one.
    const other = collapsedView(
      mergeGraphs([graph([version("data", 1, "q")], [])], new Set()),
      null,
      {
        entity: "e",
        project: "p",
      },
    );
    expect(other.nodes[0]?.label).toBe("e/q/data");
  });

  it("roots an expansion query at the node's own project", () => {
    expect(rootOfNode(m0)).toEqual({
      entity: "e",
      project: "p",
      root: { kind: "version", ref: "model:v0" },
    });
    expect(rootOfNode(t1).root).toEqual({ kind: "run", id: "t1" });
  });

  it("marks nodes cut off by the depth limit as having more, without calling the graph capped", () => {
    const merged = mergeGraphs(
      [graph([data, t1], [[data.id, t1.id, "used"]], [], [t1.id])],
      new Set(),
    );
    expect(merged.truncated).toBe(false);
    expect([...merged.more]).toEqual([t1.id]);
    expect(explodedView(merged, data.id).nodes.find((n) => n.id === t1.id)?.more).toBe(true);
  });
});
