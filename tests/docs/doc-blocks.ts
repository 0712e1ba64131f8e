import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository root (tests/docs → ../..). */
export const ROOT = join(import.meta.dirname, "..", "..");

/** One fenced code block of a Markdown file. */
export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /**
   * Why the block is not run, from an HTML comment on the line above its fence
   * (`<!-- docs-test: not run — a receiver that serves until stopped -->`); undefined when it runs.
   * Only for examples that never end by design (servers, live streams).
   */
  notRun?: string;
}

/** Every fenced block of `file` (relative to the repo root), in order. */
export function codeBlocks(file: string): DocBlock[] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && !/^```\s*$/.test(lines[i]!); i += 1) body.push(lines[i]!);
    const marker = /<!-- docs-test: not run — (.+?) -->/.exec(lines[start - 1] ?? "");
    const block: DocBlock = { file, line: start + 1, lang: open[1] ?? "", code: body.join("\n") };
    if (marker) block.notRun = marker[1];
    blocks.push(block);
  }
  return blocks;
}

/**
 * Shell blocks that manage the repository itself (install, build, the whole test suite): running
 * them inside the suite would run the suite again, so they are checked, not run — every
 * `pnpm <script>` they name must be a root script.
 */
export function isRepositoryBlock(block: DocBlock): boolean {
  return /(^|\s)(npx|pnpm)\s/m.test(block.code) && !/(^|\s)cairn\s/m.test(block.code);
}
