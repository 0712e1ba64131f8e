import { useState } from "react";
import { formatNumber } from "../format.js";

/** Rows of a grid page. */
export const GRID_PAGE_ROWS = 50;

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "number") return formatNumber(cell);
  return typeof cell === "string" ? cell : JSON.stringify(cell);
}

/** A table of rows, shown a page at a time (a 100k-row CSV renders 50 rows, not 100k). */
export function DataGrid(props: {
  columns: string[];
  rows: unknown[][];
  label: string;
  /** The rows are the start of a longer file (a partial fetch). */
  partial?: boolean;
}) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(props.rows.length / GRID_PAGE_ROWS));
  const shown = props.rows.slice(page * GRID_PAGE_ROWS, (page + 1) * GRID_PAGE_ROWS);
  return (
    <div className="grid-preview">
      <div className="table-scroll">
        <table aria-label={props.label} data-testid="grid-preview">
          <thead>
            <tr>
              {props.columns.map((c, i) => (
                <th key={i} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row, r) => (
              <tr key={page * GRID_PAGE_ROWS + r}>
                {props.columns.map((_c, i) => (
                  <td key={i}>{cellText(row[i])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="pager">
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        <span className="muted small" data-testid="grid-page">
          Rows {formatNumber(page * GRID_PAGE_ROWS + Math.min(1, shown.length))}–
          {formatNumber(page * GRID_PAGE_ROWS + shown.length)} of {formatNumber(props.rows.length)}
          {props.partial ? "+ (first bytes of the file)" : ""}
        </span>
        <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
          Next
        </button>
      </p>
    </div>
  );
}
