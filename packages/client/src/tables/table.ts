import { CairnError } from "@cairn/core";
import { z } from "zod";

/** A table cell: JSON's scalar types. Numbers must be finite (JSON has no NaN or Infinity). */
export type TableCell = number | string | boolean | null;

/** The JSON form of a {@link Table}, stored as `<name>.table.json` inside an artifact. */
export interface TableJson {
  _type: "table";
  columns: string[];
  data: TableCell[][];
}

/** Options of the {@link Table} constructor. */
export interface TableOptions {
  columns: readonly string[];
  data?: readonly (readonly TableCell[])[];
}

const cellSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);

/** Zod schema of {@link TableJson}. */
export const tableJsonSchema = z.object({
  _type: z.literal("table"),
  columns: z.array(z.string()),
  data: z.array(z.array(cellSchema)),
});

function invalid(message: string, details: Record<string, unknown> = {}): CairnError {
  return new CairnError("INVALID_INPUT", message, { details });
}

function checkCell(cell: unknown, row: number, column: string): TableCell {
  if (cell === null || typeof cell === "string" || typeof cell === "boolean") return cell;
  if (typeof cell === "number") {
    if (Number.isFinite(cell)) return cell;
    throw invalid(
      `Table cell at row ${row}, column "${column}" is ${cell}: JSON cannot store NaN or Infinity. Use null for a missing value.`,
      { row, column },
    );
  }
  throw invalid(
    `Table cell at row ${row}, column "${column}" has type ${typeof cell}: cells are numbers, strings, booleans or null.`,
    { row, column },
  );
}

/**
 * A table of typed rows (W&B's `wandb.Table`): named columns and rows of scalar cells. Stored in
 * an artifact with `artifact.add(table, name)` as `<name>.table.json` and read back with
 * `artifact.get(name)` as an equal `Table`.
 */
export class Table {
  readonly columns: readonly string[];
  readonly #rows: TableCell[][] = [];

  /** Validates the columns (non-empty, unique strings) and every row. */
  constructor(options: TableOptions) {
    const columns = [...options.columns];
    if (columns.length === 0)
      throw invalid("A table needs at least one column: pass columns: ['a', 'b', …].");
    const seen = new Set<string>();
    for (const column of columns) {
      if (typeof column !== "string" || column.length === 0) {
        throw invalid(
          `Invalid table column ${JSON.stringify(column)}: column names are non-empty strings.`,
        );
      }
      if (seen.has(column)) {
        throw invalid(`The table column "${column}" appears twice: column names must be unique.`, {
          column,
        });
      }
      seen.add(column);
    }
    this.columns = Object.freeze(columns);
    for (const row of options.data ?? []) this.addRow(row);
  }

  /** The rows (copies; edit through {@link addRow}). */
  get data(): TableCell[][] {
    return this.#rows.map((row) => [...row]);
  }

  /** Number of rows. */
  get rowCount(): number {
    return this.#rows.length;
  }

  /** Appends a row; it must have one valid cell per column. */
  addRow(row: readonly TableCell[]): this {
    const index = this.#rows.length;
    if (!Array.isArray(row) || row.length !== this.columns.length) {
      throw invalid(
        `Table row ${index} has ${Array.isArray(row) ? row.length : "no"} cells but the table has ${this.columns.length} columns (${this.columns.join(", ")}): give one cell per column.`,
        { row: index },
      );
    }
    this.#rows.push(row.map((cell, i) => checkCell(cell, index, this.columns[i]!)));
    return this;
  }

  /** The values of one column, in row order. Throws INVALID_INPUT for an unknown column. */
  column(name: string): TableCell[] {
    const i = this.columns.indexOf(name);
    if (i < 0)
      throw invalid(
        `The table has no column "${name}"; its columns are ${this.columns.join(", ")}.`,
      );
    return this.#rows.map((row) => row[i]!);
  }

  /** The JSON form (`{ _type: "table", columns, data }`). */
  toJSON(): TableJson {
    return { _type: "table", columns: [...this.columns], data: this.data };
  }

  /** Parses the JSON form back into a Table; throws INVALID_INPUT explaining what is malformed. */
  static fromJSON(value: unknown): Table {
    const parsed = tableJsonSchema.safeParse(value);
    if (!parsed.success) {
      throw invalid(
        `Not a table: expected { _type: "table", columns: string[], data: cell[][] } (${z.prettifyError(parsed.error)}).`,
      );
    }
    return new Table({ columns: parsed.data.columns, data: parsed.data.data });
  }
}
