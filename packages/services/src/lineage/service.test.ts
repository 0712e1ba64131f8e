import { describeWithServices } from "@cairn/vitest-config/services";
import type { KyselyPlugin } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ArtifactWorld,
  createArtifactWorld,
  expectCode,
  refEntry,
} from "../artifacts/queries.test-helpers.js";
import { createLineageService } from "./service.js";

function suite(kind: "pglite" | "postgres") {
  let w: ArtifactWorld;
  const P = { entity: "alice", project: "pipe" };
  const B = { entity: "bob", project: "spy" };

  async function run(id: string, jobType: string, as = w.alice, ref = P) {
    return w.t.services.runs.init(as, { ...ref, id, jobType });
  }
  async function use(runId: string, ref: string, as = w.alice, project = P) {
    return w.t.services.artifacts.use(as, { ...project, ref, runId });
  }

  beforeAll(async () => {
    w = await createArtifactWorld(kind);
    await w.project("pipe", "public");
    await w.t.project(w.bob.userId, "spy", "private");
    // prep → raw:v0 → train → model:v0 → eval → report:v0; bob's private run also uses raw:v0.
    await run("prep", "preprocess");
    await w.log("pipe", "raw", [refEntry("raw.csv")], { runId: "prep" });
    await run("train", "train");
    await use("train", "raw:v0");
    await w.log("pipe", "model", [refEntry("w.bin")], { runId: "train", type: "model" });
    await run("eval", "eval");
    await use("eval", "model:latest");
    await w.log("pipe", "report", [refEntry("r.json")], { runId: "eval", type: "result" });
    await run("peek", "train", w.bob, B);
    await use("peek", "alice/pipe/raw:v0", w.bob, B);
  });
  afterAll(() => w?.close());

  it("walks one step: loggedBy, usedBy, loggedArtifacts, usedArtifacts", async () => {
    const lineage = w.t.services.lineage;
    expect(await lineage.loggedBy(w.alice, { ...P, ref: "model:v0" })).toMatchObject({
      id: "train",
      jobType: "train",
      project: "pipe",
    });
    expect(await lineage.loggedBy(w.alice, { ...P, ref: "raw:v0" })).toMatchObject({ id: "prep" });
    expect((await lineage.usedBy(w.alice, { ...P, ref: "model:v0" })).map((r) => r.id)).toEqual([
      "eval",
    ]);
    expect(
      (await lineage.loggedArtifacts(w.alice, { ...P, runId: "train" })).map(
        (v) => `${v.name}:${v.version}`,
      ),
    ).toEqual(["model:v0"]);
    expect(
      (await lineage.usedArtifacts(w.alice, { ...P, runId: "train" })).map((v) => v.name),
    ).toEqual(["raw"]);
    await w.log("pipe", "loose", [refEntry("l")]);
    expect(await lineage.loggedBy(w.alice, { ...P, ref: "loose:v0" })).toBeNull();
    await expectCode(lineage.loggedArtifacts(w.alice, { ...P, runId: "nope" }), "NOT_FOUND");
  });

  it("hides runs and versions of projects the caller cannot read", async () => {
    const lineage = w.t.services.lineage;
    expect((await lineage.usedBy(w.alice, { ...P, ref: "raw:v0" })).map((r) => r.id)).toEqual([
      "train",
    ]);
    expect((await lineage.usedBy(null, { ...P, ref: "raw:v0" })).map((r) => r.id)).toEqual([
      "train",
    ]);
    expect(
      (await lineage.usedBy(w.bob, { ...P, ref: "raw:v0" }))
        .map((r) => `${r.project}/${r.id}`)
        .sort(),
    ).toEqual(["pipe/train", "spy/peek"]);
    expect(
      (await lineage.usedArtifacts(w.bob, { ...B, runId: "peek" })).map((v) => v.name),
    ).toEqual(["raw"]);
    await expectCode(lineage.usedArtifacts(w.alice, { ...B, runId: "peek" }), "NOT_FOUND");
    const graph = await lineage.graph(w.alice, {
      ...P,
      root: { kind: "version", ref: "raw:v0" },
      direction: "downstream",
      depth: 1,
    });
    expect(graph.nodes.map((n) => n.id)).not.toContain("run:bob/spy/peek");
    expect(graph.hidden).toBe(1);
  });

  it("builds the graph around a version with labels, edges and both directions", async () => {
    const graph = await w.t.services.lineage.graph(w.alice, {
      ...P,
      root: { kind: "version", ref: "model:v0" },
    });
    const labels = graph.nodes.map((n) =>
      n.kind === "version" ? `${n.label} (${n.type})` : `${n.label} [${n.jobType}]`,
    );
    expect(labels.sort()).toEqual(
      [
        "model:v0 (model)",
        "raw:v0 (dataset)",
        "report:v0 (result)",
        "eval [eval]",
        "prep [preprocess]",
        "train [train]",
      ].sort(),
    );
    const byId = new Map(graph.nodes.map((n) => [n.id, n.label]));
    const edges = graph.edges
      .map((e) => `${byId.get(e.from)} -${e.kind}-> ${byId.get(e.to)}`)
      .sort();
    expect(edges).toEqual(
      [
        "prep -logged-> raw:v0",
        "raw:v0 -used-> train",
        "train -logged-> model:v0",
        "model:v0 -used-> eval",
        "eval -logged-> report:v0",
      ].sort(),
    );
    expect(graph.nodes[0]?.label).toBe("model:v0");
    expect(graph).toMatchObject({ truncated: false, frontier: [], hidden: 0 });
    const run = graph.nodes.find((n) => n.kind === "run" && n.label === "train");
    expect(run?.id).toBe("run:alice/pipe/train");

    const up = await w.t.services.lineage.graph(w.alice, {
      ...P,
      root: { kind: "run", id: "train" },
      direction: "upstream",
      depth: 2,
    });
    expect(up.nodes.map((n) => n.label)).toEqual(["train", "raw:v0", "prep"]);
  });

  it("caps the graph at maxNodes with a frontier, and collapses it on request", async () => {
    const capped = await w.t.services.lineage.graph(w.alice, {
      ...P,
      root: { kind: "version", ref: "raw:v0" },
      direction: "downstream",
      depth: 5,
      maxNodes: 2,
    });
    expect(capped.nodes.map((n) => n.label)).toEqual(["raw:v0", "train"]);
    expect(capped.truncated).toBe(true);
    expect(capped.frontier).toEqual([{ id: "run:alice/pipe/train", direction: "downstream" }]);

    const collapsed = await w.t.services.lineage.graph(w.alice, {
      ...P,
      root: { kind: "version", ref: "raw:v0" },
      collapsed: true,
    });
    expect(collapsed.collapsed?.nodes.map((n) => n.key)).toEqual([
      "collection:raw",
      "jobType:preprocess",
      "jobType:train",
      "collection:model",
      "jobType:eval",
    ]);
    expect(collapsed.collapsed?.edges).toContainEqual({
      kind: "used",
      from: "collection:raw",
      to: "jobType:train",
      count: 1,
    });
    await expectCode(
      w.t.services.lineage.graph(w.bob, { ...B, root: { kind: "run", id: "nope" } }),
      "NOT_FOUND",
    );
  });

  it("answers a wide graph in a few queries, not one per node", async () => {
    await w.log("pipe", "wide", [refEntry("wide")]);
    for (let i = 0; i < 25; i++) {
      await run(`fan${i}`, "sweep");
      await use(`fan${i}`, "wide:v0");
      await w.log("pipe", `out${i}`, [refEntry(`o${i}`)], { runId: `fan${i}` });
    }
    let queries = 0;
    const counter: KyselyPlugin = {
      transformQuery: (args) => {
        queries += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const lineage = createLineageService({
      ...w.t.services.deps,
      db: w.t.services.deps.db.withPlugin(counter),
    });
    const graph = await lineage.graph(w.alice, {
      ...P,
      root: { kind: "version", ref: "wide:v0" },
      direction: "downstream",
      depth: 3,
    });
    expect(graph.nodes).toHaveLength(51);
    expect(graph.edges).toHaveLength(50);
    expect(queries).toBeLessThan(20);
  });
}

describe("lineage (PGlite)", () => suite("pglite"));
await describeWithServices(["postgres"], "lineage (PostgreSQL)", () => suite("postgres"));
