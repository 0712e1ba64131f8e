import { CairnError } from "@cairn/core";

/** Options of {@link createGroupCommitter}. */
export interface GroupCommitOptions<T> {
  /** Writes a whole batch durably (typically one transaction); throwing fails every item of it. */
  flush: (items: T[]) => Promise<void>;
  /** A batch is flushed as soon as it holds this many items (also the largest batch ever flushed). */
  maxItems: number;
  /** How long the first item of a batch waits for company before the batch is flushed anyway. */
  maxDelayMs: number;
}

/** Batches concurrent writes into few flushes; see {@link createGroupCommitter}. */
export interface GroupCommitter<T> {
  /** Queues `item`; resolves once the batch holding it was flushed, rejects if that flush failed. */
  submit(item: T): Promise<void>;
  /** Flushes whatever is queued now and resolves when nothing is queued or in flight. */
  drain(): Promise<void>;
}

interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: callers submit items one by one and each waits for a durable flush, but items
 * that arrive together share one flush. Why: on a single-connection database (PGlite) one
 * transaction per uploaded blob serialises every upload behind a commit; one transaction per
 * batch amortises it. At most one flush runs at a time — items that arrive meanwhile form the
 * next batch, which starts the moment the previous flush ends (they have already waited), so
 * batches grow exactly when the writer is the bottleneck and stay tiny when it is idle.
 */
export function createGroupCommitter<T>(options: GroupCommitOptions<T>): GroupCommitter<T> {
  const { flush, maxItems, maxDelayMs } = options;
  if (!Number.isSafeInteger(maxItems) || maxItems < 1 || !(maxDelayMs >= 0)) {
    throw new CairnError(
      "INVALID_INPUT",
      `Group commit needs maxItems >= 1 (got ${maxItems}) and maxDelayMs >= 0 (got ${maxDelayMs}).`,
    );
  }
  let queue: Waiter<T>[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> | null = null;

  function start(): void {
    if (running || queue.length === 0) return;
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const batch = queue.slice(0, maxItems);
    queue = queue.slice(maxItems);
    running = (async () => {
      try {
        await flush(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    })().finally(() => {
      running = null;
      // Items queued during the flush have waited at least one flush already: go at once.
      start();
    });
  }

  function schedule(): void {
    if (running) return; // picked up when the running flush ends
    if (queue.length >= maxItems) start();
    else if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        start();
      }, maxDelayMs);
    }
  }

  return {
    submit(item: T): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    async drain(): Promise<void> {
      while (running || queue.length > 0) {
        start();
        await running?.catch(() => undefined);
      }
    },
  };
}
