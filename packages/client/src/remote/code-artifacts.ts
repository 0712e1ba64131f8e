import { basename, resolve } from "node:path";
import { CairnError } from "@cairn/core";
import { Artifact } from "../artifact/artifact.js";
import { walkFilesSync } from "../local-files.js";
import { entryMatcher } from "../transfer/entry-filter.js";

/** Options of `run.logCode()`. */
export interface LogCodeOptions {
  /** Artifact name. Default `source-<folder name>`. */
  name?: string;
  /** Globs of files to keep, relative to the root. Default: source files (`.py`, `.ts`, `.js`, …). */
  include?: string[];
  /** Globs of files to leave out. Default: `node_modules`, `.git`, virtualenvs, caches. */
  exclude?: string[];
}

/** What `logCode` keeps by default: source files, as W&B keeps `.py` files. */
export const DEFAULT_CODE_INCLUDE = ["**/*.{py,ts,tsx,mts,cts,js,jsx,mjs,cjs,ipynb}"];

/** Never part of a code artifact unless asked: dependencies, VCS data, environments, caches. */
export const DEFAULT_CODE_EXCLUDE = [
  "**/node_modules/**",
  "**/.git/**",
  "**/.venv/**",
  "**/venv/**",
  "**/__pycache__/**",
  "**/.cairn/**",
  "**/dist/**",
];

/** An artifact name from free text: letters, digits, `_ - .` only. */
function artifactNameOf(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^-+|-+$/g, "");
  return `source-${cleaned || "code"}`.slice(0, 128);
}

/** A `code` artifact of the files below `root` that the include/exclude globs select. */
export function codeArtifactOfTree(root: string, options: LogCodeOptions = {}): Artifact {
  const dir = resolve(root);
  const keep = entryMatcher({
    include: options.include ?? DEFAULT_CODE_INCLUDE,
    exclude: options.exclude ?? DEFAULT_CODE_EXCLUDE,
  });
  const files = walkFilesSync(dir).filter((f) => keep(f.relativePath));
  if (files.length === 0) {
    throw new CairnError(
      "INVALID_INPUT",
      `logCode found no files below ${dir} matching include ${JSON.stringify(options.include ?? DEFAULT_CODE_INCLUDE)}: check the root, or pass { include }.`,
      { details: { root: dir } },
    );
  }
  const artifact = new Artifact({
    name: options.name ?? artifactNameOf(basename(dir)),
    type: "code",
  });
  for (const f of files) artifact.addFile(f.absolutePath, { name: f.relativePath });
  return artifact;
}

/**
 * A `code` artifact holding the program's main script (`saveCode: true` → `process.argv[1]`, or
 * the path given), named `source-<script name>`.
 */
export function codeArtifactOfScript(saveCode: true | string): Artifact {
  const script = saveCode === true ? process.argv[1] : saveCode;
  if (!script) {
    throw new CairnError(
      "INVALID_INPUT",
      "saveCode: true found no main script (process.argv[1] is empty, e.g. in a REPL): pass saveCode: '<path of the script>', or call run.logCode(root).",
    );
  }
  const artifact = new Artifact({ name: artifactNameOf(basename(script)), type: "code" });
  artifact.addFile(resolve(script));
  return artifact;
}
