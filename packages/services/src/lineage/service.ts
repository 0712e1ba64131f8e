import {
  CairnError,
  type CollapsedLineage,
  collapseLineage,
  decideAccess,
  type EdgeSource,
  formatVersionAlias,
  type LineageNode,
  lineageNodeKey,
  traverseLineage,
} from "@cairn/core";
import type { Database } from "@cairn/db";
import { type Kysely, sql } from "kysely";
import type { Actor } from "../actor.js";
import { resolveSelector } from "../artifacts/log.js";
import { loadVersionInfos, type VersionInfo } from "../artifacts/version-info.js";
import type { ServiceDeps } from "../deps.js";
import type { ArtifactSelectorInput } from "../inputs.js";
import { type AccessibleProject, resolveProject } from "../projects/access.js";
import { type RunInfo, toRunInfo, validateRunId } from "../runs/info.js";
import type { LineageGraphInput, RunArtifactsInput } from "./inputs.js";

/** A node of `lineage.graph`: its key (`version:<id>` / `run:<entity>/<project>/<id>`), a label, the full info. */
export type LineageGraphNode =
  | { id: string; kind: "version"; label: string; type: string; info: VersionInfo }
  | { id: string; kind: "run"; label: string; jobType: string | null; info: RunInfo };

/** The answer of `lineage.graph`. */
export interface LineageGraphResult {
  nodes: LineageGraphNode[];
  edges: Array<{ from: string; to: string; kind: "logged" | "used" }>;
  /** True when `maxNodes` cut the graph short. */
  truncated: boolean;
  /** Kept nodes whose further neighbours were cut off (re-query from them). */
  frontier: Array<{ id: string; direction: "upstream" | "downstream" }>;
  /** Nodes of the last level with neighbours beyond the depth limit (re-query from them). */
  beyondDepth: Array<{ id: string; direction: "upstream" | "downstream" }>;
  /** Neighbours left out because they live in projects the caller cannot read. */
  hidden: number;
  /** The summary view (one node per collection / jobType), when asked with `collapsed: true`. */
  collapsed?: CollapsedLineage;
}

type Db = Kysely<Database>;
/** A run's internal node id: runs are unique per project only. Neither part contains "/". */
type RunKey = string;
const runKey = (projectId: string, runId: string): RunKey => `${projectId}/${runId}`;
function splitRunKey(key: RunKey): [string, string] {
  const at = key.indexOf("/");
  return [key.slice(0, at), key.slice(at + 1)];
}
const runTuples = (keys: readonly RunKey[]) =>
  sql.join(
    keys.map((k) => {
      const [p, r] = splitRunKey(k);
      return sql`(${p}, ${r})`;
    }),
  );

/** Which of `projectIds` the actor may read: two queries whatever their number. */
async function readableProjects(
  db: Db,
  actor: Actor | null,
  projectIds: readonly string[],
): Promise<Set<string>> {
  const readable = new Set<string>();
  if (projectIds.length === 0) return readable;
  const projects = await db
    .selectFrom("projects")
    .select(["id", "entity_id", "visibility"])
    .where("id", "in", projectIds)
    .execute();
  const roles = new Map<string, "member" | "admin">();
  if (actor && projects.length > 0) {
    const rows = await db
      .selectFrom("memberships")
      .select(["entity_id", "role"])
      .where("user_id", "=", actor.userId)
      .where("entity_id", "in", [...new Set(projects.map((p) => p.entity_id))])
      .execute();
    for (const row of rows) roles.set(row.entity_id, row.role);
  }
  for (const p of projects) {
    const role = !actor
      ? "anonymous"
      : actor.isSiteAdmin || actor.userId === p.entity_id
        ? "admin"
        : (roles.get(p.entity_id) ?? "user");
    if (decideAccess({ visibility: p.visibility, role, action: "read" }).allowed)
      readable.add(p.id);
  }
  return readable;
}

/**
 * The lineage edge tables as a core {@link EdgeSource} with batch lookups (one query per BFS level
 * and direction), hiding neighbours in projects the caller cannot read — they are neither returned
 * nor walked through, and only counted in `hidden`.
 */
function createSqlEdgeSource(db: Db, actor: Actor | null) {
  const readable = new Map<string, boolean>();
  const hidden = new Set<string>();
  async function keep<T>(
    items: T[],
    projectOf: (t: T) => string,
    keyOf: (t: T) => string,
  ): Promise<T[]> {
    const unknown = [...new Set(items.map(projectOf))].filter((p) => !readable.has(p));
    if (unknown.length > 0) {
      const ok = await readableProjects(db, actor, unknown);
      for (const p of unknown) readable.set(p, ok.has(p));
    }
    return items.filter((t) => {
      if (readable.get(projectOf(t))) return true;
      hidden.add(keyOf(t));
      return false;
    });
  }
  function group(rows: Array<{ from: string; to: string }>): Map<string, string[]> {
    const map = new Map<string, string[]>();
    for (const row of rows) {
      const list = map.get(row.from) ?? [];
      list.push(row.to);
      map.set(row.from, list);
    }
    return map;
  }
  async function versionToRuns(
    table: "run_logged_version" | "run_used_version",
    ids: readonly string[],
  ) {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom(table)
      .select(["version_id", "project_id", "run_id"])
      .where("version_id", "in", ids)
      .orderBy("created_at")
      .orderBy("run_id")
      .execute();
    const kept = await keep(
      rows,
      (r) => r.project_id,
      (r) => `run:${runKey(r.project_id, r.run_id)}`,
    );
    return kept.map((r) => ({ from: r.version_id, to: runKey(r.project_id, r.run_id) }));
  }
  async function runToVersions(
    table: "run_logged_version" | "run_used_version",
    keys: readonly RunKey[],
  ) {
    if (keys.length === 0) return new Map<string, string[]>();
    // Both edge tables have the same columns; the cast only tells Kysely which shape to expect.
    const rows = await db
      .selectFrom(`${table} as l` as "run_logged_version as l")
      .innerJoin("versions as v", "v.id", "l.version_id")
      .innerJoin("collections as c", "c.id", "v.collection_id")
      .select(["l.project_id", "l.run_id", "l.version_id", "c.project_id as version_project"])
      .where(sql<boolean>`(l.project_id, l.run_id) in (${runTuples(keys)})`)
      .orderBy("l.created_at")
      .orderBy("l.version_id")
      .execute();
    const kept = await keep(
      rows,
      (r) => r.version_project,
      (r) => `version:${r.version_id}`,
    );
    return group(kept.map((r) => ({ from: runKey(r.project_id, r.run_id), to: r.version_id })));
  }
  const source: EdgeSource = {
    async loggedBy(id) {
      return (await source.loggedByMany?.([id]))?.get(id) ?? null;
    },
    async usedBy(id) {
      return (await source.usedByMany?.([id]))?.get(id) ?? [];
    },
    async loggedArtifacts(id) {
      return (await runToVersions("run_logged_version", [id])).get(id) ?? [];
    },
    async usedArtifacts(id) {
      return (await runToVersions("run_used_version", [id])).get(id) ?? [];
    },
    async loggedByMany(ids) {
      // A version is "logged by" one run in the model: the first that logged it (later logs of
      // identical contents by other runs resolve to it, and are found through loggedArtifacts).
      const map = new Map<string, string | null>();
      for (const edge of await versionToRuns("run_logged_version", ids)) {
        if (!map.has(edge.from)) map.set(edge.from, edge.to);
      }
      return map;
    },
    async usedByMany(ids) {
      return group(await versionToRuns("run_used_version", ids));
    },
    loggedArtifactsMany: (keys) => runToVersions("run_logged_version", keys),
    usedArtifactsMany: (keys) => runToVersions("run_used_version", keys),
  };
  return { source, hidden };
}

/** Runs by internal key, with their entity and project names, in the order of `keys`. */
async function loadRuns(
  db: Db,
  keys: readonly RunKey[],
): Promise<Array<{ key: RunKey; info: RunInfo }>> {
  if (keys.length === 0) return [];
  const rows = await db
    .selectFrom("runs")
    .innerJoin("projects", "projects.id", "runs.project_id")
    .innerJoin("entities", "entities.id", "projects.entity_id")
    .selectAll("runs")
    .select(["projects.name as projectName", "entities.name as entityName"])
    .where(sql<boolean>`(runs.project_id, runs.id) in (${runTuples(keys)})`)
    .execute();
  const byKey = new Map(
    rows.map(({ projectName, entityName, ...run }) => [
      runKey(run.project_id, run.id),
      toRunInfo(run, entityName, projectName),
    ]),
  );
  return keys.flatMap((key) => {
    const info = byKey.get(key);
    return info ? [{ key, info }] : [];
  });
}

async function requireRun(db: Db, project: AccessibleProject, runId: string): Promise<RunKey> {
  validateRunId(runId);
  const row = await db
    .selectFrom("runs")
    .select("id")
    .where("project_id", "=", project.id)
    .where("id", "=", runId)
    .executeTakeFirst();
  if (!row) {
    throw new CairnError(
      "NOT_FOUND",
      `Run ${runId} does not exist in ${project.entityName}/${project.name}: check the id, or list runs with runs.list.`,
      { details: { runId } },
    );
  }
  return runKey(project.id, runId);
}

/**
 * Lineage: the one-step walks (`loggedBy`, `usedBy`, `loggedArtifacts`, `usedArtifacts`) and whole
 * graphs around a version or a run (core `traverseLineage` over SQL). Versions and runs in projects
 * the caller cannot read never appear.
 */
export function createLineageService(deps: ServiceDeps) {
  const { db } = deps;

  async function versionNeighbours(
    actor: Actor | null,
    input: ArtifactSelectorInput,
    table: "run_logged_version" | "run_used_version",
  ) {
    const { versionId } = await resolveSelector(deps, actor, input);
    const { source } = createSqlEdgeSource(db, actor);
    const keys =
      table === "run_logged_version"
        ? [...((await source.loggedByMany?.([versionId]))?.values() ?? [])].filter(
            (k): k is string => k !== null,
          )
        : ((await source.usedByMany?.([versionId]))?.get(versionId) ?? []);
    return (await loadRuns(db, keys)).map((r) => r.info);
  }

  async function runNeighbours(actor: Actor | null, input: RunArtifactsInput, logged: boolean) {
    const project = await resolveProject(db, actor, input, "read");
    const key = await requireRun(db, project, input.runId);
    const { source } = createSqlEdgeSource(db, actor);
    const ids = logged ? await source.loggedArtifacts(key) : await source.usedArtifacts(key);
    return loadVersionInfos(db, ids);
  }

  return {
    /** The run that logged a version, or null (logged outside a run). */
    async loggedBy(actor: Actor | null, input: ArtifactSelectorInput): Promise<RunInfo | null> {
      return (await versionNeighbours(actor, input, "run_logged_version"))[0] ?? null;
    },
    /** The runs that used a version (those the caller can read). */
    usedBy: (actor: Actor | null, input: ArtifactSelectorInput): Promise<RunInfo[]> =>
      versionNeighbours(actor, input, "run_used_version"),
    /** The versions a run logged. */
    loggedArtifacts: (actor: Actor | null, input: RunArtifactsInput): Promise<VersionInfo[]> =>
      runNeighbours(actor, input, true),
    /** The versions a run used (those the caller can read). */
    usedArtifacts: (actor: Actor | null, input: RunArtifactsInput): Promise<VersionInfo[]> =>
      runNeighbours(actor, input, false),

    /**
     * The lineage graph around a version or a run, `depth` hops in `direction`, at most `maxNodes`
     * nodes: a handful of queries per hop whatever the graph's width.
     */
    async graph(actor: Actor | null, input: LineageGraphInput): Promise<LineageGraphResult> {
      let root: LineageNode;
      if (input.root.kind === "version") {
        const { versionId } = await resolveSelector(deps, actor, { ...input, ref: input.root.ref });
        root = { kind: "version", id: versionId };
      } else {
        const project = await resolveProject(db, actor, input, "read");
        root = { kind: "run", id: await requireRun(db, project, input.root.id) };
      }
      const { source, hidden } = createSqlEdgeSource(db, actor);
      const graph = await traverseLineage(source, root, {
        direction: input.direction ?? "both",
        depth: input.depth ?? 3,
        maxNodes: input.maxNodes ?? 500,
      });
      const versionIds = graph.nodes.filter((n) => n.kind === "version").map((n) => n.id);
      const runKeys = graph.nodes.filter((n) => n.kind === "run").map((n) => n.id);
      const [versions, runs] = await Promise.all([
        loadVersionInfos(db, versionIds),
        loadRuns(db, runKeys),
      ]);
      // Output in the traversal's BFS order (root first); ids are public keys, never internal ones.
      const publicId = new Map<string, string>();
      const byKey = new Map<string, LineageGraphNode>();
      for (const info of versions) {
        const key = lineageNodeKey({ kind: "version", id: info.id });
        const id = `version:${info.id}`;
        publicId.set(key, id);
        byKey.set(key, {
          id,
          kind: "version",
          label: `${info.name}:${formatVersionAlias(info.number)}`,
          type: info.type,
          info,
        });
      }
      for (const { key: runId, info } of runs) {
        const key = lineageNodeKey({ kind: "run", id: runId });
        const id = `run:${info.entity}/${info.project}/${info.id}`;
        publicId.set(key, id);
        byKey.set(key, { id, kind: "run", label: info.id, jobType: info.jobType, info });
      }
      const nodes = graph.nodes.flatMap((n) => {
        const node = byKey.get(lineageNodeKey(n));
        return node ? [node] : [];
      });
      const idOf = (node: LineageNode) =>
        publicId.get(lineageNodeKey(node)) ?? lineageNodeKey(node);
      const edges = graph.edges.map((e) => ({ from: idOf(e.from), to: idOf(e.to), kind: e.kind }));
      const result: LineageGraphResult = {
        nodes,
        edges,
        truncated: graph.truncated,
        frontier: graph.frontier.map((f) => ({ id: idOf(f.node), direction: f.direction })),
        beyondDepth: graph.beyondDepth.map((f) => ({ id: idOf(f.node), direction: f.direction })),
        hidden: hidden.size,
      };
      if (input.collapsed) {
        const byId = new Map(nodes.map((n) => [n.id, n]));
        const labelOf = (node: LineageNode): string => {
          const n = byId.get(node.id);
          if (n?.kind === "version") {
            const sameProject = n.info.entity === input.entity && n.info.project === input.project;
            return sameProject ? n.info.name : `${n.info.entity}/${n.info.project}/${n.info.name}`;
          }
          return n?.kind === "run" ? (n.jobType ?? "(no job type)") : node.id;
        };
        result.collapsed = collapseLineage(
          {
            nodes: graph.nodes.map((n) => ({ kind: n.kind, id: idOf(n) })),
            edges: graph.edges.map((e) => ({
              kind: e.kind,
              from: { kind: e.from.kind, id: idOf(e.from) },
              to: { kind: e.to.kind, id: idOf(e.to) },
            })),
            truncated: graph.truncated,
          },
          labelOf,
        );
      }
      return result;
    },
  };
}

/** The lineage service. */
export type LineageService = ReturnType<typeof createLineageService>;
