import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  collapseLineage,
  type EdgeSource,
  isCairnError,
  type LineageGraph,
  type LineageNode,
  lineageNodeKey,
  traverseLineage,
} from "./index.js";

interface Fixture {
  /** run id → versions it logged */
  readonly logged: Record<string, string[]>;
  /** run id → versions it used */
  readonly used: Record<string, string[]>;
}

/** An in-memory EdgeSource; records calls so tests can check batching. */
function memorySource(fixture: Fixture, withBatch = false): EdgeSource & { calls: string[] } {
  const calls: string[] = [];
  const runs = [...new Set([...Object.keys(fixture.logged), ...Object.keys(fixture.used)])];
  const loggedBy = (v: string) => runs.find((r) => fixture.logged[r]?.includes(v)) ?? null;
  const usedBy = (v: string) => runs.filter((r) => fixture.used[r]?.includes(v));
  const logged = (r: string) => fixture.logged[r] ?? [];
  const used = (r: string) => fixture.used[r] ?? [];
  /** Wraps a lookup so each call is recorded under `name`. */
  const counted =
    <A, R>(name: string, fn: (arg: A) => R) =>
    async (arg: A): Promise<R> => {
      calls.push(name);
      return fn(arg);
    };
  const many =
    <V>(fn: (id: string) => V) =>
    (ids: readonly string[]) =>
      new Map(ids.map((id) => [id, fn(id)]));
  const source: EdgeSource & { calls: string[] } = {
    calls,
    loggedBy: counted("loggedBy", loggedBy),
    usedBy: counted("usedBy", usedBy),
    loggedArtifacts: counted("loggedArtifacts", logged),
    usedArtifacts: counted("usedArtifacts", used),
  };
  if (withBatch) {
    source.loggedByMany = counted("loggedByMany", many(loggedBy));
    source.usedByMany = counted("usedByMany", many(usedBy));
    source.loggedArtifactsMany = counted("loggedArtifactsMany", many(logged));
    source.usedArtifactsMany = counted("usedArtifactsMany", many(used));
  }
  return source;
}

// ingest → raw → prep → clean (+ stats) → train1/train2 → model v0/v1 → eval → report
const PIPELINE: Fixture = {
  logged: {
    ingest: ["raw:v0"],
    prep: ["clean:v0", "stats:v0"],
    train1: ["model:v0"],
    train2: ["model:v1"],
    eval: ["report:v0"],
  },
  used: {
    prep: ["raw:v0"],
    train1: ["clean:v0"],
    train2: ["clean:v0"],
    eval: ["model:v0", "model:v1"],
  },
};

const run = (id: string): LineageNode => ({ kind: "run", id });
const version = (id: string): LineageNode => ({ kind: "version", id });
const keys = (g: LineageGraph) => g.nodes.map(lineageNodeKey);
const edgeList = (g: LineageGraph) =>
  g.edges.map((e) => `${lineageNodeKey(e.from)} -${e.kind}-> ${lineageNodeKey(e.to)}`).sort();

describe("traverseLineage", () => {
  it("walks one hop downstream from a version to the runs that used it", async () => {
    const g = await traverseLineage(memorySource(PIPELINE), version("raw:v0"), {
      direction: "downstream",
      depth: 1,
    });
    expect(keys(g)).toEqual(["version:raw:v0", "run:prep"]);
    expect(edgeList(g)).toEqual(["version:raw:v0 -used-> run:prep"]);
    expect(g.truncated).toBe(false);
    expect(g.frontier).toEqual([]);
  });

  it("counts depth in hops, depth 0 being the root alone", async () => {
    const src = memorySource(PIPELINE);
    expect(keys(await traverseLineage(src, version("raw:v0"), { depth: 0 }))).toEqual([
      "version:raw:v0",
    ]);
    const two = await traverseLineage(src, version("raw:v0"), {
      direction: "downstream",
      depth: 2,
    });
    expect(keys(two)).toEqual([
      "version:raw:v0",
      "run:prep",
      "version:clean:v0",
      "version:stats:v0",
    ]);
  });

  it("finds every ancestor upstream, with edges pointing the way data flowed", async () => {
    const g = await traverseLineage(memorySource(PIPELINE), version("report:v0"), {
      direction: "upstream",
      depth: 20,
    });
    expect(new Set(keys(g))).toEqual(
      new Set([
        "version:report:v0",
        "run:eval",
        "version:model:v0",
        "version:model:v1",
        "run:train1",
        "run:train2",
        "version:clean:v0",
        "run:prep",
        "version:raw:v0",
        "run:ingest",
      ]),
    );
    // stats:v0 is a sibling (another output of prep), not an ancestor.
    expect(keys(g)).not.toContain("version:stats:v0");
    expect(edgeList(g)).toEqual([
      "run:eval -logged-> version:report:v0",
      "run:ingest -logged-> version:raw:v0",
      "run:prep -logged-> version:clean:v0",
      "run:train1 -logged-> version:model:v0",
      "run:train2 -logged-> version:model:v1",
      "version:clean:v0 -used-> run:train1",
      "version:clean:v0 -used-> run:train2",
      "version:model:v0 -used-> run:eval",
      "version:model:v1 -used-> run:eval",
      "version:raw:v0 -used-> run:prep",
    ]);
  });

  it("with both, follows ancestors up and descendants down but not siblings", async () => {
    const g = await traverseLineage(memorySource(PIPELINE), version("clean:v0"), {
      direction: "both",
      depth: 2,
    });
    expect(new Set(keys(g))).toEqual(
      new Set([
        "version:clean:v0",
        "run:prep",
        "version:raw:v0",
        "run:train1",
        "run:train2",
        "version:model:v0",
        "version:model:v1",
      ]),
    );
  });

  it("terminates on cycles and lists each node and edge once", async () => {
    // a resumed run uses a descendant of its own output: a → x → b → y → a
    const cyclic: Fixture = { logged: { a: ["x"], b: ["y"] }, used: { b: ["x"], a: ["y"] } };
    const g = await traverseLineage(memorySource(cyclic), run("a"), {
      direction: "both",
      depth: 50,
    });
    expect(new Set(keys(g))).toEqual(new Set(["run:a", "version:x", "run:b", "version:y"]));
    expect(keys(g)).toHaveLength(4);
    expect(edgeList(g)).toEqual([
      "run:a -logged-> version:x",
      "run:b -logged-> version:y",
      "version:x -used-> run:b",
      "version:y -used-> run:a",
    ]);
  });

  it("stops at maxNodes, reporting where the graph continues", async () => {
    const g = await traverseLineage(memorySource(PIPELINE), version("clean:v0"), {
      direction: "downstream",
      depth: 10,
      maxNodes: 3,
    });
    expect(keys(g)).toEqual(["version:clean:v0", "run:train1", "run:train2"]);
    expect(g.truncated).toBe(true);
    expect(g.frontier).toEqual([
      { node: run("train1"), direction: "downstream" },
      { node: run("train2"), direction: "downstream" },
    ]);
  });

  it("marks kept-but-unexpanded nodes as frontier when the budget runs out mid-level", async () => {
    const g = await traverseLineage(memorySource(PIPELINE), version("clean:v0"), {
      direction: "downstream",
      depth: 10,
      maxNodes: 2,
    });
    expect(keys(g)).toEqual(["version:clean:v0", "run:train1"]);
    expect(g.frontier.map((f) => lineageNodeKey(f.node))).toEqual([
      "version:clean:v0",
      "run:train1",
    ]);
    // Every edge joins kept nodes.
    const kept = new Set(keys(g));
    for (const e of g.edges)
      expect(kept.has(lineageNodeKey(e.from)) && kept.has(lineageNodeKey(e.to))).toBe(true);
  });

  it("reports nodes cut off by the depth limit as beyondDepth, not as frontier", async () => {
    const g = await traverseLineage(memorySource(PIPELINE), version("raw:v0"), {
      direction: "downstream",
      depth: 1,
    });
    expect(g).toMatchObject({ truncated: false, frontier: [] });
    expect(g.beyondDepth.map((f) => lineageNodeKey(f.node))).toEqual(["run:prep"]);
    // Deep enough to reach the leaves: nothing lies beyond.
    const whole = await traverseLineage(memorySource(PIPELINE), version("raw:v0"), {
      direction: "downstream",
      depth: 10,
    });
    expect(whole.beyondDepth).toEqual([]);
  });

  it("uses batch lookups, one per level and kind, when the source offers them", async () => {
    const src = memorySource(PIPELINE, true);
    const batched = await traverseLineage(src, version("clean:v0"), {
      direction: "downstream",
      depth: 3,
    });
    // The fourth lookup asks whether the last level has more (the beyondDepth markers).
    expect(src.calls).toEqual([
      "usedByMany",
      "loggedArtifactsMany",
      "usedByMany",
      "loggedArtifactsMany",
    ]);
    const single = await traverseLineage(memorySource(PIPELINE), version("clean:v0"), {
      direction: "downstream",
      depth: 3,
    });
    expect(batched).toEqual(single);
  });

  it.each([
    [{ depth: -1 }],
    [{ depth: 1.5 }],
    [{ maxNodes: 0 }],
    [{ direction: "sideways" as "both" }],
  ])("rejects invalid options %j", async (options) => {
    const err = await traverseLineage(memorySource(PIPELINE), version("raw:v0"), options).catch(
      (e: unknown) => e,
    );
    expect(isCairnError(err, "INVALID_INPUT")).toBe(true);
  });

  it("property: on random graphs it returns exactly the reachable set, within budget", async () => {
    const graphArb = fc.record({
      logged: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 7 })), {
        maxLength: 12,
      }),
      used: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 7 })), {
        maxLength: 12,
      }),
    });
    await fc.assert(
      fc.asyncProperty(graphArb, fc.integer({ min: 1, max: 20 }), async (g, maxNodes) => {
        // Each version is logged by at most one run: keep the first claim.
        const owner = new Map<number, number>();
        for (const [r, v] of g.logged) if (!owner.has(v)) owner.set(v, r);
        const fixture: Fixture = { logged: {}, used: {} };
        const add = (table: Record<string, string[]>, r: number, v: number) => {
          const list = table[`r${r}`] ?? [];
          if (!list.includes(`v${v}`)) list.push(`v${v}`);
          table[`r${r}`] = list;
        };
        for (const [v, r] of owner) add(fixture.logged, r, v);
        for (const [r, v] of g.used) add(fixture.used, r, v);
        // Independent model: downstream reachability by fixpoint.
        const reach = new Set(["run:r0"]);
        let changed = true;
        const reachFrom = (table: Record<string, string[]>, src: "run" | "version") => {
          for (const [r, vs] of Object.entries(table)) {
            for (const v of vs) {
              const [a, b] =
                src === "run" ? [`run:${r}`, `version:${v}`] : [`version:${v}`, `run:${r}`];
              if (reach.has(a) && !reach.has(b)) {
                reach.add(b);
                changed = true;
              }
            }
          }
        };
        while (changed) {
          changed = false;
          reachFrom(fixture.logged, "run");
          reachFrom(fixture.used, "version");
        }
        const result = await traverseLineage(memorySource(fixture), run("r0"), {
          direction: "downstream",
          depth: 100,
          maxNodes,
        });
        const got = keys(result);
        expect(new Set(got).size).toBe(got.length);
        expect(got.length).toBeLessThanOrEqual(maxNodes);
        for (const k of got) expect(reach.has(k)).toBe(true);
        expect(result.truncated).toBe(reach.size > maxNodes);
        if (!result.truncated) expect(new Set(got)).toEqual(reach);
      }),
      { numRuns: 200 },
    );
  });
});

describe("collapseLineage", () => {
  const jobType: Record<string, string> = {
    ingest: "ingest",
    prep: "preprocess",
    train1: "train",
    train2: "train",
    eval: "evaluate",
  };
  const labelOf = (node: LineageNode) =>
    node.kind === "version" ? node.id.split(":")[0]! : (jobType[node.id] ?? "unknown");

  it("groups versions by collection and runs by jobType, counting merged edges", async () => {
    const g = await traverseLineage(memorySource(PIPELINE), version("clean:v0"), {
      direction: "downstream",
      depth: 10,
    });
    const c = collapseLineage(g, labelOf);
    expect(c.nodes).toEqual([
      { key: "collection:clean", kind: "collection", label: "clean", memberIds: ["clean:v0"] },
      { key: "jobType:train", kind: "jobType", label: "train", memberIds: ["train1", "train2"] },
      {
        key: "collection:model",
        kind: "collection",
        label: "model",
        memberIds: ["model:v0", "model:v1"],
      },
      { key: "jobType:evaluate", kind: "jobType", label: "evaluate", memberIds: ["eval"] },
      { key: "collection:report", kind: "collection", label: "report", memberIds: ["report:v0"] },
    ]);
    expect(c.edges).toEqual([
      { kind: "used", from: "collection:clean", to: "jobType:train", count: 2 },
      { kind: "logged", from: "jobType:train", to: "collection:model", count: 2 },
      { kind: "used", from: "collection:model", to: "jobType:evaluate", count: 2 },
      { kind: "logged", from: "jobType:evaluate", to: "collection:report", count: 1 },
    ]);
    expect(c.truncated).toBe(false);
  });

  it("keeps a collection and a jobType with the same label apart and ignores repeated edges", () => {
    const r = run("r");
    const v = version("v");
    const edge = { kind: "logged" as const, from: r, to: v };
    const c = collapseLineage(
      { nodes: [r, v], edges: [edge, edge], truncated: true },
      () => "train",
    );
    expect(c.nodes.map((n) => n.key)).toEqual(["jobType:train", "collection:train"]);
    expect(c.edges).toEqual([
      { kind: "logged", from: "jobType:train", to: "collection:train", count: 1 },
    ]);
    expect(c.truncated).toBe(true);
  });
});
