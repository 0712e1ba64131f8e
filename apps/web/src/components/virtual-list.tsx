import { useVirtualizer } from "@tanstack/react-virtual";
import { type ReactNode, useEffect, useRef } from "react";

/** Props of {@link VirtualList}. */
export interface VirtualListProps<T> {
  items: readonly T[];
  /** Fixed row height in pixels (rows are laid out without measuring: fast on 10k rows). */
  rowHeight: number;
  /** Height of the scrolling viewport. */
  height: number;
  label: string;
  renderRow: (item: T, index: number) => ReactNode;
  keyOf: (item: T, index: number) => string;
  /** More rows exist on the server; called when the end comes into view. */
  hasMore?: boolean;
  loadMore?: () => void;
  loadingMore?: boolean;
  /** Rendered above the rows, outside the scroll (column headers). */
  header?: ReactNode;
  /** What the list holds, said below it (default: "N loaded"); rows are not always items. */
  status?: ReactNode;
  /** `data-testid` of the status line. */
  testId?: string;
}

/**
 * A windowed list: only the rows in view (plus a few) are in the DOM, and the next page is
 * requested when the last loaded row scrolls into view. Rows keep `role="row"` semantics through
 * the caller's render; the viewport is a focusable region so arrow keys and Page Down scroll it.
 */
export function VirtualList<T>(props: VirtualListProps<T>) {
  const parentRef = useRef<HTMLElement>(null);
  const virtualizer = useVirtualizer({
    count: props.items.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => props.rowHeight,
    overscan: 8,
  });
  const rows = virtualizer.getVirtualItems();
  const last = rows[rows.length - 1];
  const { hasMore, loadMore, loadingMore, items } = props;
  useEffect(() => {
    if (last && hasMore && !loadingMore && last.index >= items.length - 5) loadMore?.();
  }, [last, hasMore, loadingMore, loadMore, items.length]);

  return (
    <div className="vlist">
      {props.header}
      <section
        ref={parentRef}
        className="vlist-viewport"
        style={{ height: props.height }}
        aria-label={`${props.label} (scrollable)`}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the scroll region must be keyboard-reachable
        tabIndex={0}
      >
        <ul
          aria-label={props.label}
          className="vlist-body"
          style={{ height: virtualizer.getTotalSize() }}
        >
          {rows.map((row) => {
            const item = props.items[row.index] as T;
            return (
              <li
                key={props.keyOf(item, row.index)}
                className="vlist-row"
                style={{ height: row.size, transform: `translateY(${row.start}px)` }}
              >
                {props.renderRow(item, row.index)}
              </li>
            );
          })}
        </ul>
      </section>
      <p className="muted small" aria-live="polite" data-testid={props.testId}>
        {props.status ?? `${props.items.length} loaded`}
        {props.hasMore ? " — scroll for more" : ""}
        {props.loadingMore ? " — loading…" : ""}
      </p>
    </div>
  );
}
