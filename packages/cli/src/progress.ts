import type { ProgressEvent, ProgressListener, ProgressPhase } from "@cairn/client";
import cliProgress from "cli-progress";
import type { Output } from "./output.js";
import { formatBytes, formatDuration } from "./units.js";

const LABELS: Record<ProgressPhase, string> = {
  hash: "hashing",
  upload: "uploading",
  download: "downloading",
};

/** A progress display for one command: feed it the client's events, `stop()` when done. */
export interface ProgressReporter {
  listener: ProgressListener;
  stop(): void;
}

/** Options of {@link createProgressReporter}. */
export interface ProgressReporterOptions {
  /** Minimum milliseconds between two plain lines when not on a TTY. Default 2000. */
  intervalMs?: number;
  /** Clock (tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * Shows hash/upload/download progress on stderr: a cli-progress bar with bytes, files, rate and
 * ETA on a TTY; plain periodic lines otherwise (CI logs must not fill with carriage returns).
 * Silent with `--quiet` or `--json`, where stderr noise would get in the way of scripts.
 */
export function createProgressReporter(
  output: Output,
  options: ProgressReporterOptions = {},
): ProgressReporter {
  if (output.quiet || output.json) return { listener: () => {}, stop: () => {} };
  const stderr = output.streams.stderr;
  if (stderr.isTTY) return barReporter(stderr as NodeJS.WritableStream);
  return lineReporter(stderr, options.intervalMs ?? 2000, options.now ?? Date.now);
}

/** The plain line printed for an event when not on a TTY. */
export function progressLine(event: ProgressEvent): string {
  const pct = event.bytesTotal > 0 ? Math.floor((event.bytesDone / event.bytesTotal) * 100) : 100;
  return `${LABELS[event.phase]}: ${pct}% ${formatBytes(event.bytesDone)}/${formatBytes(event.bytesTotal)}, ${event.filesDone}/${event.filesTotal} files, ${formatBytes(Math.round(event.rate))}/s, ETA ${formatDuration(event.etaSeconds)}`;
}

/**
 * Phases overlap (a log hashes, checks and uploads at once), so each phase is throttled on its own:
 * its first event, its end, and then at most one line per `intervalMs` per phase.
 */
function lineReporter(
  stderr: Output["streams"]["stderr"],
  intervalMs: number,
  now: () => number,
): ProgressReporter {
  const last = new Map<ProgressPhase, number>();
  const pending = new Map<ProgressPhase, ProgressEvent>();
  const print = (event: ProgressEvent): void => {
    stderr.write(`${progressLine(event)}\n`);
    last.set(event.phase, now());
    pending.delete(event.phase);
  };
  return {
    listener(event) {
      const done = event.bytesDone >= event.bytesTotal && event.filesDone >= event.filesTotal;
      const previous = last.get(event.phase);
      if (previous === undefined || done || now() - previous >= intervalMs) print(event);
      else pending.set(event.phase, event);
    },
    stop() {
      for (const event of [...pending.values()]) print(event);
    },
  };
}

/** One bar per phase (hashing and uploading run at once), in a cli-progress multi-bar. */
function barReporter(stream: NodeJS.WritableStream): ProgressReporter {
  let multi: cliProgress.MultiBar | undefined;
  const bars = new Map<ProgressPhase, cliProgress.SingleBar>();
  return {
    listener(event) {
      multi ??= new cliProgress.MultiBar(
        {
          stream,
          format:
            "{label} [{bar}] {percentage}% | {done}/{total} | {files} files | {rate}/s | ETA {eta_human}",
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      let bar = bars.get(event.phase);
      if (!bar) {
        bar = multi.create(Math.max(1, event.bytesTotal), 0);
        bars.set(event.phase, bar);
      }
      bar.setTotal(Math.max(1, event.bytesTotal));
      bar.update(event.bytesDone, {
        label: LABELS[event.phase].padEnd(11),
        done: formatBytes(event.bytesDone),
        total: formatBytes(event.bytesTotal),
        files: `${event.filesDone}/${event.filesTotal}`,
        rate: formatBytes(Math.round(event.rate)),
        eta_human: formatDuration(event.etaSeconds),
      });
    },
    stop() {
      multi?.stop();
      multi = undefined;
      bars.clear();
    },
  };
}
