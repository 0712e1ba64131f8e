/**
 * Progress reporting shared by hashing, upload and download. Long operations take an optional
 * {@link ProgressListener}; a {@link ProgressTracker} turns "n more files / bytes done" into events
 * with a smoothed rate and an ETA, throttled so a 100,000-file log does not emit 100,000 events.
 */

/** Which long operation an event describes. */
export type ProgressPhase = "hash" | "upload" | "download";

/** One progress report. `rate` is bytes per second; `etaSeconds` is null while unknown. */
export interface ProgressEvent {
  phase: ProgressPhase;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  rate: number;
  etaSeconds: number | null;
}

/** Receives progress events. It must not throw; errors it throws are ignored. */
export type ProgressListener = (event: ProgressEvent) => void;

/** Options of {@link createProgressTracker}. */
export interface ProgressTrackerOptions {
  phase: ProgressPhase;
  filesTotal: number;
  bytesTotal: number;
  onProgress?: ProgressListener | undefined;
  /** Minimum milliseconds between two events (the final event is always sent). Default 100. */
  intervalMs?: number;
  /** Clock in milliseconds, injectable for tests. Default `performance.now`. */
  now?: () => number;
}

/** Accumulates work done and emits {@link ProgressEvent}s. */
export interface ProgressTracker {
  /** Records `files` more files and `bytes` more bytes done; may emit an event. */
  advance(files: number, bytes: number): void;
  /** Emits the final event (even if throttled) and returns it. */
  finish(): ProgressEvent;
  /** The current state, without emitting. */
  snapshot(): ProgressEvent;
}

/** Creates a {@link ProgressTracker}; without a listener it only counts. */
export function createProgressTracker(options: ProgressTrackerOptions): ProgressTracker {
  const now = options.now ?? (() => performance.now());
  const intervalMs = options.intervalMs ?? 100;
  const started = now();
  let lastEmit = Number.NEGATIVE_INFINITY;
  let filesDone = 0;
  let bytesDone = 0;

  const snapshot = (): ProgressEvent => {
    const elapsedSeconds = (now() - started) / 1000;
    // Average rate since the start: steadier than an instantaneous rate for bursty file sizes.
    const rate = elapsedSeconds > 0 ? bytesDone / elapsedSeconds : 0;
    const remaining = Math.max(0, options.bytesTotal - bytesDone);
    const etaSeconds = remaining === 0 ? 0 : rate > 0 ? remaining / rate : null;
    return {
      phase: options.phase,
      filesDone,
      filesTotal: options.filesTotal,
      bytesDone,
      bytesTotal: options.bytesTotal,
      rate,
      etaSeconds,
    };
  };

  const emit = (event: ProgressEvent): void => {
    try {
      options.onProgress?.(event);
    } catch {
      // A broken progress bar must never abort a log or a download.
    }
  };

  return {
    advance(files, bytes) {
      filesDone += files;
      bytesDone += bytes;
      if (!options.onProgress) return;
      const t = now();
      if (t - lastEmit < intervalMs) return;
      lastEmit = t;
      emit(snapshot());
    },
    finish() {
      const event = snapshot();
      emit(event);
      return event;
    },
    snapshot,
  };
}
