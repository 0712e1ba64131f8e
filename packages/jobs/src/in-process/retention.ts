import { DEFAULT_RETENTION, type RetentionOptions } from "../retention-options.js";

/** One job held by the in-process engine. */
export interface JobRecord {
  id: string;
  payload: unknown;
  state: "waiting" | "delayed" | "active" | "completed" | "failed";
  /** Finished tries (failed ones; a completed try finishes the job). */
  attemptsMade: number;
  result: unknown;
  /** Encoded failure reason of the last failed try. */
  reason: string | undefined;
  finishedAt: number | undefined;
  timer: NodeJS.Timeout | undefined;
  waiters: Set<{ settle(): void; abort(error: Error): void }>;
}

/**
 * Bounds the memory of one queue: finished jobs are kept in finish order and pruned by age and
 * count whenever another job finishes (as BullMQ does — no background timer).
 */
export class Retention {
  private readonly limits: Required<RetentionOptions>;
  private readonly completed: JobRecord[] = [];
  private readonly failed: JobRecord[] = [];

  constructor(options: RetentionOptions = {}) {
    this.limits = { ...DEFAULT_RETENTION, ...options };
  }

  /** Records a just-finished job and prunes what is now too old or too many. */
  add(jobs: Map<string, JobRecord>, record: JobRecord): void {
    const completed = record.state === "completed";
    const list = completed ? this.completed : this.failed;
    const maxAge = completed ? this.limits.completedAgeMs : this.limits.failedAgeMs;
    const maxCount = completed ? this.limits.completedCount : this.limits.failedCount;
    list.push(record);
    const oldest = Date.now() - maxAge;
    while (list.length > 0) {
      const first = list[0]!;
      // A failed job may have been replaced by a re-enqueue since: drop the stale entry only.
      const stale =
        jobs.get(first.id) !== first || first.state !== (completed ? "completed" : "failed");
      if (!stale && list.length <= maxCount && (first.finishedAt ?? 0) >= oldest) break;
      list.shift();
      if (!stale) jobs.delete(first.id);
    }
  }
}
