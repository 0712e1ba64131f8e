// @ts-check
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";

/** `from "x"`, `import("x")`, `require("x")` and `/// <reference types="x" />` in declarations. */
const SPECIFIER =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|<reference\s+types\s*=\s*)["']([^"']+)["']/g;

/**
 * Every `.d.ts` file under `dir` (recursively).
 * @param {string} dir
 * @returns {string[]}
 */
export function declarationFiles(dir) {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".d.ts"))
    .map((file) => join(dir, file))
    .sort();
}

/**
 * The package a bare specifier names (`@scope/pkg/sub` → `@scope/pkg`), or null for a relative
 * path.
 * @param {string} specifier
 */
export function packageOf(specifier) {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return null;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/**
 * The imports of the declarations under `dir` that a user who installs only the package's
 * `dependencies` could not resolve: each names a package outside `allowed` (Node built-ins are
 * allowed; their types come with @types/node). The build fails on any, because a declaration that
 * cannot be resolved silently turns into `any` for users who set `skipLibCheck`.
 * @param {string} dir
 * @param {readonly string[]} allowed package names
 * @returns {{ file: string; specifier: string }[]}
 */
export function foreignImports(dir, allowed) {
  const ok = new Set(allowed);
  /** @type {{ file: string; specifier: string }[]} */
  const found = [];
  for (const file of declarationFiles(dir)) {
    for (const match of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      const specifier = /** @type {string} */ (match[1]);
      const pkg = packageOf(specifier);
      if (pkg === null || ok.has(pkg)) continue;
      if (pkg.startsWith("node:") || builtinModules.includes(pkg)) continue;
      found.push({ file: relative(dir, file), specifier });
    }
  }
  return found;
}
