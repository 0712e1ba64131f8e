import { errorCodeOf } from "../trpc.js";

/** A busy indicator announced to screen readers. */
export function Loading(props: { what?: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading{props.what ? ` ${props.what}` : ""}…
    </p>
  );
}

/** An API error as the server phrased it (its messages say what to do), with its code. */
export function ErrorBox(props: { error: unknown }) {
  const code = errorCodeOf(props.error);
  const message = props.error instanceof Error ? props.error.message : String(props.error);
  return (
    <div className="error" role="alert">
      {code ? <strong>{code}: </strong> : null}
      {message}
    </div>
  );
}
