#!/usr/bin/env node
// Fails when relative imports between a package's source files form a cycle (the job `madge
// --circular` does for bullmq), listing each cycle. `import type` edges are left out: they are
// erased at build time, so they cannot cause load-order bugs, and two classes that return each
// other (the client's Run and LoggedArtifact) are one model's two halves. Tests are left out.
// Usage: node tooling/scripts/check-cycles.mjs [package-dir …] (default: every packages/* and apps/*).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const dirs = process.argv.slice(2).length
  ? process.argv.slice(2).map((d) => resolve(d))
  : ["packages", "apps"].flatMap((top) =>
      readdirSync(join(root, top)).map((name) => join(root, top, name)),
    );

const IMPORT =
  /(?:import|export)\s(?!type\s)[^"';]*?from\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "__tests__")
        out.push(...sourceFiles(path));
    } else if (
      /\.tsx?$/.test(entry.name) &&
      !/\.(test|test-helpers|suite|bench)\.tsx?$|\.d\.ts$/.test(entry.name)
    ) {
      out.push(path);
    }
  }
  return out;
}

function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec);
  const candidates = [
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.js$/, ".tsx"),
    `${base}.ts`,
    join(base, "index.ts"),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

const cycles = [];
for (const dir of dirs) {
  const src = join(dir, "src");
  if (!existsSync(src)) continue;
  const graph = new Map();
  for (const file of sourceFiles(src)) {
    const deps = new Set();
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const target = resolveImport(file, m[1] ?? m[2]);
      if (target) deps.add(target);
    }
    graph.set(file, deps);
  }
  // Tarjan's strongly connected components: every component of two or more files is a cycle.
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.map((f) => relative(root, f)).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
}

if (cycles.length > 0) {
  console.error(
    `${cycles.length} import cycle(s): break each by moving the shared part into its own file.`,
  );
  for (const cycle of cycles) console.error(`  ${cycle.join(" ↔ ")}`);
  process.exit(1);
}
console.log("no import cycles");
