/** How long finished jobs stay, mirroring BullMQ's `removeOnComplete` / `removeOnFail`. */
export interface RetentionOptions {
  /** Completed jobs older than this are forgotten (then an equal job id runs again). Default 1 h. */
  completedAgeMs?: number;
  /** At most this many completed jobs are kept per queue. Default 1000. */
  completedCount?: number;
  /** Failed jobs older than this are forgotten. Default 24 h. */
  failedAgeMs?: number;
  /** At most this many failed jobs are kept per queue. Default 1000. */
  failedCount?: number;
}

/** The retention defaults shared by both engines (BullMQ takes them in seconds). */
export const DEFAULT_RETENTION: Required<RetentionOptions> = {
  completedAgeMs: 3_600_000,
  completedCount: 1000,
  failedAgeMs: 86_400_000,
  failedCount: 1000,
};
