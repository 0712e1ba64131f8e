import { open } from "node:fs/promises";

/** fsyncs a directory once. */
async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Coalesces directory fsyncs; see {@link createDirSyncer}. */
export type DirSyncer = (path: string) => Promise<void>;

/**
 * Directory fsync with coalescing per directory: a caller needs an fsync that STARTS after its own
 * rename/mkdir, so while one fsync of `path` is running, every new caller shares a single
 * follow-up fsync instead of queueing one each. Concurrent puts into the same directory (and the
 * store root, which every new shard touches) then pay for about two fsyncs, not N.
 */
export function createDirSyncer(sync: (path: string) => Promise<void> = fsyncDir): DirSyncer {
  const state = new Map<string, { running: Promise<void>; next: Promise<void> | null }>();
  function run(path: string): Promise<void> {
    const running = sync(path).finally(() => {
      const entry = state.get(path);
      if (entry?.running === running && entry.next === null) state.delete(path);
    });
    state.set(path, { running, next: null });
    return running;
  }
  return (path) => {
    const entry = state.get(path);
    if (!entry) return run(path);
    if (!entry.next) {
      // The follow-up starts when the running fsync settles, whatever its outcome.
      entry.next = entry.running.then(
        () => run(path),
        () => run(path),
      );
    }
    return entry.next;
  };
}
