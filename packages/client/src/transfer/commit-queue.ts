/** A place in the commit order, reserved when a log starts and used when it is ready to commit. */
export interface CommitSlot {
  /** Runs `task` once every earlier slot has run or been released; then releases this slot. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Gives the place up without committing (the log failed before its commit). Idempotent. */
  release(): void;
}

/** A FIFO of commits: hashing and uploads run in parallel, commits in reservation order. */
export interface CommitQueue {
  /** Reserves the next place in the order (synchronously, at call time). */
  reserve(): CommitSlot;
}

/**
 * Creates a {@link CommitQueue}. Versions are numbered by the server in commit order, so
 * committing in reservation order makes `v0, v1, …` follow the order of `logArtifact` calls even
 * when a later artifact finishes hashing first. A failed commit does not block the ones after it.
 */
export function createCommitQueue(): CommitQueue {
  let tail: Promise<void> = Promise.resolve();
  return {
    reserve() {
      const previous = tail;
      let done!: () => void;
      tail = new Promise<void>((resolve) => {
        done = resolve;
      });
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        // Only after the previous slot: releases pass the turn on in order, never skip ahead.
        void previous.then(done);
      };
      return {
        async run(task) {
          await previous;
          try {
            return await task();
          } finally {
            release();
          }
        },
        release,
      };
    },
  };
}
