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

function lineReporter(
  stderr: Output["streams"]["stderr"],
  intervalMs: number,
  now: () => number,
): ProgressReporter {
  let last = Number.NEGATIVE_INFINITY;
  let lastPhase: ProgressPhase | undefined;
  let pending: ProgressEvent | undefined;
  const print = (event: ProgressEvent): void => {
    stderr.write(`${progressLine(event)}\n`);
    last = now();
    pending = undefined;
  };
  return {
    listener(event) {
      const done = event.bytesDone >= event.bytesTotal && event.filesDone >= event.filesTotal;
      // A new phase, the end of one, or a pause long enough: print; otherwise remember the latest.
      if (event.phase !== lastPhase || done || now() - last >= intervalMs) {
        if (pending && pending.phase !== event.phase) print(pending);
        lastPhase = event.phase;
        print(event);
      } else pending = event;
    },
    stop() {
      if (pending) print(pending);
    },
  };
}

function barReporter(stream: NodeJS.WritableStream): ProgressReporter {
  let bar: cliProgress.SingleBar | undefined;
  let phase: ProgressPhase | undefined;
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };
  return {
    listener(event) {
      if (event.phase !== phase || !bar) {
        stopBar();
        phase = event.phase;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `${LABELS[event.phase].padEnd(11)} [{bar}] {percentage}% | {done}/{total} | {files} files | {rate}/s | ETA {eta_human}`,
            hideCursor: true,
            clearOnComplete: false,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(1, event.bytesTotal), 0);
      }
      bar.setTotal(Math.max(1, event.bytesTotal));
      bar.update(event.bytesDone, {
        done: formatBytes(event.bytesDone),
        total: formatBytes(event.bytesTotal),
        files: `${event.filesDone}/${event.filesTotal}`,
        rate: formatBytes(Math.round(event.rate)),
        eta_human: formatDuration(event.etaSeconds),
      });
    },
    stop: stopBar,
  };
}
