#!/usr/bin/env node
// Moves source files with `git mv` and rewrites the relative imports that point at them, so a
// restructure is one mechanical commit that git's rename detection can follow.
//
//   node tooling/scripts/move-sources.mjs <moves.json>          move, then rewrite imports
//   node tooling/scripts/move-sources.mjs <moves.json> --fix    rewrite only (after a merge)
//
// <moves.json> is `{ "roots": ["packages/x/src", …], "moves": { "<old path>": "<new path>" } }`,
// paths relative to the repository root. Every .ts/.tsx file under `roots` is scanned; each
// relative specifier (`from "./a.js"`, `import("./a.js")`, `import "./a.js"`) is resolved from
// the file's location before the move and re-pointed at the target's location after it.
// `--fix` is for files merged in later (written against the old layout): a specifier that
// already resolves from the file's current place is kept; one that does not is resolved from the
// file's old place and re-pointed. (A moved file that gained an import of a name that also
// exists in its new folder keeps that import: typecheck tells.) Moves whose source is absent are
// skipped, so a list can name files that arrive with a later merge.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const [movesFile, flag] = process.argv.slice(2);
if (!movesFile) {
  console.error("usage: move-sources.mjs <moves.json> [--fix]");
  process.exit(2);
}
const fix = flag === "--fix";
const spec = JSON.parse(readFileSync(movesFile, "utf8"));
const abs = (p) => resolve(root, p);
const forward = new Map(Object.entries(spec.moves).map(([o, n]) => [abs(o), abs(n)]));
const backward = new Map([...forward].map(([o, n]) => [n, o]));

let moved = 0;
if (!fix) {
  for (const [from, to] of forward) {
    if (!existsSync(from)) {
      console.warn(`skipped ${relative(root, from)}: not here (already moved, or not merged yet)`);
      continue;
    }
    execFileSync("mkdir", ["-p", dirname(to)]);
    execFileSync("git", ["mv", from, to], { cwd: root, stdio: "inherit" });
    moved++;
  }
}

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "dist") out.push(...sourceFiles(path));
    } else if (/\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out;
}

const isFile = (p) => existsSync(p) && statSync(p).isFile();
/** The file a specifier names, in the layout after the move (the disk as it is now). */
function resolveNow(fromDir, s) {
  const base = resolve(fromDir, s);
  const candidates = [base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx"), base];
  return candidates.find(isFile);
}
/** The file a specifier named before the move: a moved file counts at its old path. */
function resolveBefore(fromDir, s) {
  const base = resolve(fromDir, s);
  const candidates = [base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx"), base];
  return candidates.find((c) => forward.has(c) || (isFile(c) && !backward.has(c)));
}

const SPECIFIER = /((?:from|import)\s*\(?\s*)(["'])(\.\.?\/[^"']+)\2/g;
let changed = 0;
for (const dir of spec.roots) {
  for (const file of sourceFiles(abs(dir))) {
    const oldFile = backward.get(file) ?? file;
    const text = readFileSync(file, "utf8");
    const next = text.replace(SPECIFIER, (whole, lead, quote, s) => {
      if (fix && resolveNow(dirname(file), s)) return whole;
      const target = resolveBefore(dirname(oldFile), s);
      if (!target) {
        console.warn(`${relative(root, file)}: cannot resolve ${s}`);
        return whole;
      }
      const moved = forward.get(target) ?? target;
      const ext = s.endsWith(".js") ? ".js" : "";
      let rel = relative(dirname(file), moved).replace(/\.tsx?$/, ext);
      if (!rel.startsWith(".")) rel = `./${rel}`;
      return `${lead}${quote}${rel}${quote}`;
    });
    if (next !== text) {
      writeFileSync(file, next);
      changed++;
    }
  }
}
console.log(`${fix ? "" : `moved ${moved} files; `}rewrote imports in ${changed} files`);
