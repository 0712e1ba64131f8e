import { type CairnErrorCode, ERRORS, EXIT_CODES, type ExitCode, isCairnError } from "@cairn/core";

/**
 * Exit codes of `cairn`, one per error family (defined with the error table in `@cairn/core`), so
 * shell scripts can tell "retry later" (6) from "fix your command" (2) without parsing messages.
 */
export { EXIT_CODES, type ExitCode };

/** Help text listing the exit codes (appended to `cairn --help`). */
export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  unexpected error: a bug in cairn, or an internal server error (report it with its request id)
  2  usage: wrong arguments, invalid name, reference, duration or JSON
  3  not found: no such project, artifact, version, alias or run
  4  not logged in, unauthorized or forbidden
  5  conflict: name taken by another type, aliases still attached, draft state
  6  the server cannot be reached (or is unavailable)
  7  digest mismatch or \`cairn verify\` found differences
  8  a local file, directory or config file cannot be read or written`;

interface Family {
  exitCode: ExitCode;
  /** What to do, appended after the error's own message. */
  hint: string;
}

/** The family of a `CairnError` code — exit code and hint — read off the error table. */
export function familyOf(code: CairnErrorCode): Family {
  const { exitCode, hint } = ERRORS[code] ?? ERRORS.INTERNAL;
  return { exitCode, hint };
}

/** A formatted failure: the single line to print on stderr and the exit code. */
export interface Failure {
  line: string;
  exitCode: ExitCode;
}

/**
 * Turns anything a command threw into one line `error: <what happened> — <what to do>` and its
 * exit code. Multi-line messages are folded so a pipeline log shows the failure on one line.
 */
export function describeFailure(error: unknown): Failure {
  if (isCairnError(error)) {
    const { exitCode, hint } = familyOf(error.code);
    // Server messages usually say what to do already (often naming a cairn command); the family
    // hint is only added when they do not, so the line never says the same thing twice.
    const message = oneLine(error.message);
    const saysWhatToDo = /`cairn |cairn login|CAIRN_[A-Z_]+/.test(message);
    return { line: saysWhatToDo ? `error: ${message}` : `error: ${message} — ${hint}`, exitCode };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isConnectionLost(error)) {
    return {
      line: `error: the connection to the server was lost mid-transfer (${oneLine(message)}) — the server cannot be reached; check it is running and retry (finished files are kept)`,
      exitCode: EXIT_CODES.unreachable,
    };
  }
  return {
    line: `error: ${oneLine(message)} — this is unexpected; rerun with CAIRN_DEBUG=1 for a stack trace and report it`,
    exitCode: EXIT_CODES.generic,
  };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

// Socket-level failures of fetch/undici: the server went away (or the network did) mid-request.
const CONNECTION_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** True for "fetch failed" and socket errors (looked for through `cause` chains). */
function isConnectionLost(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 6; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
    if (message === "fetch failed" || message === "terminated" || message === "other side closed")
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
