import { type CairnErrorCode, isCairnError } from "@cairn/core";

/**
 * Exit codes of `cairn`, one per error family, so shell scripts can tell "retry later" (6) from
 * "fix your command" (2) without parsing messages. Documented in `cairn --help` and the README.
 */
export const EXIT_CODES = {
  ok: 0,
  generic: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  conflict: 5,
  unreachable: 6,
  verify: 7,
} as const;

/** The exit code of one family. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Help text listing the exit codes (appended to `cairn --help`). */
export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  unexpected error
  2  usage: wrong arguments, invalid name, reference, duration or JSON
  3  not found: no such project, artifact, version, alias or run
  4  not logged in, unauthorized or forbidden
  5  conflict: name taken by another type, aliases still attached, draft state
  6  the server cannot be reached (or is unavailable)
  7  digest mismatch or \`cairn verify\` found differences`;

const CONFLICT_CODES = new Set<CairnErrorCode>([
  "CONFLICT",
  "NAME_TAKEN_BY_OTHER_TYPE",
  "ALIASES_STILL_ATTACHED",
  "DRAFT_FINISHED",
  "DRAFT_NOT_READY",
]);

interface Family {
  exitCode: ExitCode;
  /** What to do, appended after the error's own message. */
  hint: string;
}

/** The family of a `CairnError` code: exit code and a short "what to do next". */
export function familyOf(code: CairnErrorCode): Family {
  if (code === "NOT_FOUND")
    return {
      exitCode: EXIT_CODES.notFound,
      hint: "check the spelling, or list what exists with `cairn ls`",
    };
  if (code === "UNAUTHORIZED" || code === "FORBIDDEN")
    return {
      exitCode: EXIT_CODES.auth,
      hint: "run `cairn login` or set CAIRN_API_KEY to a key with access (`cairn whoami` shows who you are)",
    };
  if (CONFLICT_CODES.has(code))
    return {
      exitCode: EXIT_CODES.conflict,
      hint: "see `cairn info` / `cairn ls NAME` for the current state",
    };
  if (code === "STORAGE_FULL" || code === "STORAGE_UNAVAILABLE")
    return {
      exitCode: EXIT_CODES.unreachable,
      hint: "the server's storage needs its operator (quote the request id); retry once it is fixed",
    };
  if (code === "UNAVAILABLE")
    return {
      exitCode: EXIT_CODES.unreachable,
      hint: "start it with `cairn server` or point CAIRN_BASE_URL / `cairn login --base-url` at it",
    };
  if (code === "DIGEST_MISMATCH")
    return {
      exitCode: EXIT_CODES.verify,
      hint: "the bytes differ from their recorded digest; fetch them again",
    };
  return {
    exitCode: EXIT_CODES.usage,
    hint: "see `cairn <command> --help` for the accepted forms",
  };
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
