import { formatJson } from "../format.js";

/** JSON formatted for reading (2-space indent), in a focusable, scrollable block. */
export function JsonView(props: { value: unknown; label: string }) {
  const text = formatJson(props.value ?? null);
  const empty =
    props.value !== null &&
    typeof props.value === "object" &&
    Object.keys(props.value as object).length === 0;
  if (empty) return <p className="muted">{props.label}: empty</p>;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="json" aria-label={props.label} tabIndex={0}>
      <pre>{text}</pre>
    </section>
  );
}
