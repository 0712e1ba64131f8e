import { CairnError } from "./errors.js";

/**
 * Finds a file and a directory of the same path (`a` and `a/b`) in one version, which no file
 * system can hold: such a version could never be downloaded. Paths must be fed in lexicographic
 * order (any code-unit or byte order): every path starting with `p` then forms one contiguous run,
 * so a stack of the current path's string prefixes is all the state needed — memory stays bounded
 * by the path depth, even for a million-entry draft read through a cursor.
 */
export class PathConflictChecker {
  readonly #stack: string[] = [];

  /** Adds the next path (in sorted order); throws INVALID_PATH naming both paths on a conflict. */
  add(path: string): void {
    const stack = this.#stack;
    while (stack.length > 0 && !path.startsWith(stack[stack.length - 1]!)) stack.pop();
    for (const earlier of stack) {
      if (path.length > earlier.length && path[earlier.length] === "/") {
        throw new CairnError(
          "INVALID_PATH",
          `"${earlier}" is a file, so "${path}" cannot be inside it as a directory: rename one of the two entries.`,
          { details: { file: earlier, path } },
        );
      }
    }
    stack.push(path);
  }
}

/** Throws INVALID_PATH when `paths` (any order) hold a file and a directory of the same path. */
export function assertNoPathConflicts(paths: Iterable<string>): void {
  const checker = new PathConflictChecker();
  for (const path of [...paths].sort()) checker.add(path);
}
