import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { CairnError } from "@cairn/core";

/** One file found below a directory. */
export interface WalkedFile {
  /** Absolute (or `dir`-joined) path on disk. */
  absolutePath: string;
  /** POSIX path relative to the walked directory (`sub/cat.png`). */
  relativePath: string;
  size: number;
}

/**
 * A regular file found by the walk whose size is read on first use: `addDir` never needs it (the
 * hasher stats every file anyway), and one `stat` per file is a third of an unchanged re-log.
 */
class LazyWalkedFile implements WalkedFile {
  #size: number | undefined;
  constructor(
    readonly absolutePath: string,
    readonly relativePath: string,
  ) {}
  get size(): number {
    this.#size ??= statSync(this.absolutePath).size;
    return this.#size;
  }
}

/**
 * Lists every regular file below `dir`, recursively, sorted by relative path so the same tree
 * always yields the same order. Symbolic links to files are followed (their target is what gets
 * logged); links to directories are not descended, which rules out cycles. Synchronous because
 * `artifact.addDir()` is (as in W&B): the draft knows its files the moment they are added.
 */
export function walkFilesSync(dir: string): WalkedFile[] {
  let top: ReturnType<typeof statSync>;
  try {
    top = statSync(dir);
  } catch (err) {
    throw new CairnError(
      "NOT_FOUND",
      `The directory ${dir} does not exist or cannot be read. Check the path.`,
      {
        details: { dir },
        cause: err,
      },
    );
  }
  if (!top.isDirectory()) {
    throw new CairnError(
      "INVALID_PATH",
      `${dir} is not a directory: use addFile() for a single file.`,
      {
        details: { dir },
      },
    );
  }
  const out: WalkedFile[] = [];
  const visit = (absolute: string, relative: string): void => {
    for (const dirent of readdirSync(absolute, { withFileTypes: true })) {
      const childAbs = join(absolute, dirent.name);
      const childRel = relative === "" ? dirent.name : `${relative}/${dirent.name}`;
      if (dirent.isDirectory()) {
        visit(childAbs, childRel);
      } else if (dirent.isFile()) {
        out.push(new LazyWalkedFile(childAbs, childRel));
      } else if (dirent.isSymbolicLink()) {
        const target = statSync(childAbs, { throwIfNoEntry: false });
        if (target?.isFile())
          out.push({ absolutePath: childAbs, relativePath: childRel, size: target.size });
      }
    }
  };
  visit(dir, "");
  out.sort((a, b) =>
    a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0,
  );
  return out;
}
