import { describe, expect, it } from "vitest";
import { collapseFanOuts } from "./fan-out.js";
import type { GraphView, ViewNode } from "./graph-model.js";

const node = (id: string, kind: ViewNode["kind"], label: string, detail: string): ViewNode => ({
  id,
  kind,
  label,
  detail,
  isRoot: false,
  more: false,
  memberIds: [id],
});

function fanOut(outputs: number): GraphView {
  const run = { ...node("run:r", "run", "sweep-1", "eval"), isRoot: true };
  const input = node("version:in", "version", "data:v0", "dataset");
  const outs = Array.from({ length: outputs }, (_, i) =>
    node(`version:o${i}`, "version", `sample:v${i}`, "prediction"),
  );
  return {
    nodes: [run, input, ...outs],
    edges: [
      { id: "u", from: input.id, to: run.id, kind: "used", count: 1 },
      ...outs.map((o) => ({
        id: `l${o.id}`,
        from: run.id,
        to: o.id,
        kind: "logged" as const,
        count: 1,
      })),
    ],
  };
}

describe("collapseFanOuts", () => {
  it("turns 230 leaf outputs of one artifact into one counted group node", () => {
    const view = collapseFanOuts(fanOut(230));
    expect(view.nodes.map((n) => n.id)).toEqual(["run:r", "version:in", "fan:run:r|out|version"]);
    const group = view.nodes[2];
    expect(group).toMatchObject({ kind: "collection", label: "sample ×230" });
    expect(group?.memberIds).toHaveLength(230);
    expect(view.edges).toHaveLength(2);
    expect(view.edges[1]).toMatchObject({ from: "run:r", kind: "logged", count: 230 });
  });

  it("leaves small fan-outs and neighbours with other edges alone", () => {
    const small = fanOut(5);
    expect(collapseFanOuts(small)).toBe(small);
    const big = fanOut(20);
    // o0 is also used by another run: it is not a leaf, so it stays on its own.
    big.nodes.push(node("run:x", "run", "x", "eval"));
    big.edges.push({ id: "x", from: "version:o0", to: "run:x", kind: "used", count: 1 });
    const view = collapseFanOuts(big);
    expect(view.nodes.find((n) => n.id === "version:o0")).toBeDefined();
    expect(view.nodes.find((n) => n.id.startsWith("fan:"))?.memberIds).toHaveLength(19);
    // Outputs of different artifacts group too, named by their count.
    const mixed = fanOut(20);
    mixed.nodes = mixed.nodes.map((n, i) => (i > 5 ? { ...n, label: `other-${i}:v0` } : n));
    expect(collapseFanOuts(mixed).nodes.at(-1)?.label).toBe("20 versions");
  });
});
