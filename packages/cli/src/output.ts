/**
 * Everything a command prints goes through {@link Output}, so `--json` (one JSON document on
 * stdout, nothing else there) and `--quiet` (only the essential result) behave the same everywhere.
 */

/** Where output goes: injectable so the program is testable without spawning. */
export interface Streams {
  stdout: { write(chunk: string): unknown; isTTY?: boolean | undefined };
  stderr: { write(chunk: string): unknown; isTTY?: boolean | undefined };
}

/** The output mode and writers of one command invocation. */
export interface Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly streams: Streams;
  /** Prints `value` as JSON with `--json`, else calls `human()` to print it for people. */
  result(value: unknown, human: () => void): void;
  /** A line of the human result on stdout. */
  line(text: string): void;
  /** A note for people on stderr (suppressed by `--quiet` and `--json`). */
  note(text: string): void;
  /** Prints rows as aligned columns with a header. */
  table(columns: string[], rows: Array<Array<string | number | null | undefined>>): void;
}

/** Creates the {@link Output} for the given flags. */
export function createOutput(streams: Streams, flags: { json?: boolean; quiet?: boolean }): Output {
  const json = flags.json ?? false;
  const quiet = flags.quiet ?? false;
  const line = (text: string): void => {
    streams.stdout.write(`${text}\n`);
  };
  return {
    json,
    quiet,
    streams,
    result(value, human) {
      if (json) line(JSON.stringify(value, null, 2));
      else human();
    },
    line,
    note(text) {
      if (!quiet && !json) streams.stderr.write(`${text}\n`);
    },
    table(columns, rows) {
      for (const row of formatTable(columns, rows)) line(row);
    },
  };
}

/** Formats rows as left-aligned columns separated by two spaces (header first). */
export function formatTable(
  columns: string[],
  rows: Array<Array<string | number | null | undefined>>,
): string[] {
  const cells = [columns, ...rows.map((r) => columns.map((_, i) => cellText(r[i])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

function cellText(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "-";
  return String(value);
}
