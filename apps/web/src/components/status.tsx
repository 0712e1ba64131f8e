import { useContext } from "react";
import { SessionContext } from "../session.js";
import { errorCodeOf } from "../trpc.js";

/** A busy indicator announced to screen readers. */
export function Loading(props: { what?: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading{props.what ? ` ${props.what}` : ""}…
    </p>
  );
}

/**
 * What a person is told for an API error: a sentence about the thing they were looking at. The
 * server's own message (written for API and CLI users, naming procedures) sits under "Details".
 */
export function friendlyMessage(code: string | null, what: string, anonymous: boolean): string {
  switch (code) {
    case "NOT_FOUND":
      return anonymous
        ? `${what} was not found. It may be private: sign in to see it.`
        : `${what} was not found, or you do not have access to it.`;
    case "UNAUTHORIZED":
      return `Sign in to see ${what}.`;
    case "FORBIDDEN":
      return `You do not have permission for this on ${what}. Ask a project admin.`;
    case null:
      return `Could not reach the server for ${what}. Check your connection and reload.`;
    default:
      return `Something went wrong loading ${what}.`;
  }
}

/** A refused edit: the server's message is about the input, so it is shown as it is. */
export function FieldError(props: { error: unknown; id?: string }) {
  if (!props.error) return null;
  const message = props.error instanceof Error ? props.error.message : String(props.error);
  return (
    <p className="error small" role="alert" id={props.id}>
      {message}
    </p>
  );
}

/** An API error as a sentence about `what`, with the server's message (it says how to fix it). */
export function ErrorBox(props: { error: unknown; what?: string }) {
  const { anonymous } = useContext(SessionContext);
  const code = errorCodeOf(props.error);
  const message = props.error instanceof Error ? props.error.message : String(props.error);
  return (
    <div className="error" role="alert">
      <p className="error-lead">{friendlyMessage(code, props.what ?? "this page", anonymous)}</p>
      <details>
        <summary>Details{code ? ` (${code})` : ""}</summary>
        <p className="small">{message}</p>
      </details>
    </div>
  );
}
