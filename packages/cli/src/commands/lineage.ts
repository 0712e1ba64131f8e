import { formatReference } from "@cairn/core";
import type { Command } from "commander";
import type { CliDeps } from "../context.js";
import { action, example } from "./action.js";

/** A node of the lineage graph as the CLI needs it. */
export interface TreeNode {
  id: string;
  kind: "version" | "run";
  label: string;
  jobType?: string | null;
}

/** An edge of the graph: `from` logged or used… see {@link renderLineageTree}. */
export interface TreeEdge {
  from: string;
  to: string;
  kind: "logged" | "used";
}

/**
 * Renders the graph around `rootId` as an indented tree: downstream (what consumed it) below
 * `↓`, upstream (where it came from) below `↑`. A node met twice is printed once more with `(…)`
 * instead of its subtree, so diamonds and long shared histories stay readable.
 */
export function renderLineageTree(
  nodes: TreeNode[],
  edges: TreeEdge[],
  rootId: string,
  direction: "upstream" | "downstream" | "both",
): string[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const name = (id: string): string => {
    const n = byId.get(id);
    if (!n) return id;
    return n.kind === "run" ? `run ${n.label}${n.jobType ? ` (${n.jobType})` : ""}` : n.label;
  };
  const out: string[] = [name(rootId)];
  const walk = (dir: "upstream" | "downstream"): void => {
    // Edges point from producer to consumer (version→run "used", run→version "logged").
    const next = (id: string): string[] =>
      edges
        .filter((e) => (dir === "downstream" ? e.from === id : e.to === id))
        .map((e) => (dir === "downstream" ? e.to : e.from));
    const seen = new Set<string>([rootId]);
    const visit = (id: string, prefix: string): void => {
      const children = [...new Set(next(id))];
      children.forEach((child, i) => {
        const last = i === children.length - 1;
        const again = seen.has(child);
        out.push(`${prefix}${last ? "└─ " : "├─ "}${name(child)}${again ? " (…)" : ""}`);
        if (again) return;
        seen.add(child);
        visit(child, `${prefix}${last ? "   " : "│  "}`);
      });
    };
    if (next(rootId).length === 0) return;
    out.push(dir === "downstream" ? "↓ downstream" : "↑ upstream");
    visit(rootId, "");
  };
  if (direction !== "upstream") walk("downstream");
  if (direction !== "downstream") walk("upstream");
  return out;
}

/** `cairn lineage`: the graph around a version as an indented tree. */
export function registerLineageCommands(program: Command, deps: CliDeps): void {
  example(
    program
      .command("lineage")
      .description("show where a version came from (--up) and what used it (--down) as a tree")
      .argument("<ref>", "reference of the version")
      .option("--up", "only upstream: the runs and versions it was made from")
      .option("--down", "only downstream: the runs that used it and what they logged")
      .option("--depth <n>", "how many run/version steps to follow", "3")
      .action(
        action(
          deps,
          async (ctx, ref: string, options: { up?: boolean; down?: boolean; depth: string }) => {
            const depth = Number(options.depth);
            if (!Number.isInteger(depth) || depth < 0) {
              const { CairnError } = await import("@cairn/core");
              throw new CairnError(
                "INVALID_INPUT",
                `--depth ${JSON.stringify(options.depth)} is not a whole number: pass e.g. --depth 2.`,
              );
            }
            const direction =
              options.up && !options.down
                ? "upstream"
                : options.down && !options.up
                  ? "downstream"
                  : "both";
            const q = await ctx.qualify(ref);
            const graph = await ctx.call((t) =>
              t.lineage.graph.query({
                entity: q.entity,
                project: q.project,
                root: {
                  kind: "version",
                  ref: formatReference({ name: q.name, selector: q.selector }),
                },
                direction,
                depth,
              }),
            );
            ctx.output.result(graph, () => {
              const root =
                graph.nodes.find(
                  (n) =>
                    n.kind === "version" && n.info.name === q.name && matches(n.info, q.selector),
                ) ?? graph.nodes[0];
              if (!root) return;
              for (const line of renderLineageTree(graph.nodes, graph.edges, root.id, direction))
                ctx.output.line(line);
              if (graph.truncated)
                ctx.output.note("(graph truncated: narrow it with --depth or --up/--down)");
            });
            return 0;
          },
        ),
      ),
    "cairn lineage model:latest --up --depth 2",
  );
}

function matches(
  info: { version: string; aliases: string[]; digest: string },
  selector:
    | { kind: "alias"; alias: string }
    | { kind: "version"; version: number }
    | { kind: "digest"; digest: string },
): boolean {
  if (selector.kind === "version") return info.version === `v${selector.version}`;
  if (selector.kind === "alias") return info.aliases.includes(selector.alias);
  return info.digest.startsWith(selector.digest);
}
