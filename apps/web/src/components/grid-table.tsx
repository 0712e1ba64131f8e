import type { ReactNode } from "react";

/**
 * The rows of the app's tables. A table is a {@link VirtualList} whose header and rows are CSS
 * grids sharing one `grid-template-columns`, so the columns line up without a `<table>` (which
 * cannot be windowed). `columns` is that template; leave it out when `className` sets it.
 */
interface GridProps {
  columns?: string | undefined;
  className?: string | undefined;
  children: ReactNode;
}

/** The header row: column titles above the scrolling rows. */
export function GridHead(props: GridProps & { hidden?: boolean }) {
  return (
    <div
      className={`row-cells vlist-head${props.className ? ` ${props.className}` : ""}`}
      style={props.columns ? { gridTemplateColumns: props.columns } : undefined}
      aria-hidden={props.hidden ? "true" : undefined}
    >
      {props.children}
    </div>
  );
}

/** One row, its cells laid out by the same columns as {@link GridHead}. */
export function GridRow(props: GridProps & { testId?: string }) {
  return (
    <div
      className={`row-cells${props.className ? ` ${props.className}` : ""}`}
      style={props.columns ? { gridTemplateColumns: props.columns } : undefined}
      data-testid={props.testId}
    >
      {props.children}
    </div>
  );
}

/** The viewport height for `rows` rows of `rowHeight` px: all of them, within [min, max]. */
export function fitHeight(rows: number, rowHeight: number, max: number, min = 0): number {
  return Math.min(max, Math.max(min, rows * rowHeight + 4));
}
