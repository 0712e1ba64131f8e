/**
 * Every rule in `@cairn/core` that refuses something throws a {@link CairnError}: a literal `code`
 * that callers switch on, a message saying what is wrong and what is allowed, and optional details.
 * Identify errors with {@link isCairnError} (by `name` and `code`), not `instanceof`, so duplicated
 * copies of this package in one process still recognise each other's errors.
 *
 * {@link ERRORS} is the one table of what a code means everywhere: the HTTP status the API answers
 * (tRPC's code → status table is the model), whether a retry can help (unkey's `retry` flag: read
 * by the job failure rules and the client transport), the `cairn` exit code and the hint the CLI
 * prints. Adding a code is one row here; the compiler then flags nothing else, because every
 * reader derives its map from this table.
 */

/** Exit codes of `cairn`, one per error family, so scripts can tell "retry later" and "fix it" apart. */
export const EXIT_CODES = {
  ok: 0,
  /** Unexpected: a bug, in the CLI or (`INTERNAL`) the server. */
  generic: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  conflict: 5,
  unreachable: 6,
  verify: 7,
  /** A local file, directory or config file could not be read or written. */
  localIo: 8,
} as const;

/** The exit code of one family. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** What one error code means to each reader. */
export interface ErrorSpec {
  /** The HTTP status the API answers (tRPC procedures and byte routes alike). */
  readonly httpStatus: number;
  /** True when the same request can succeed later unchanged (a passing condition, not a mistake). */
  readonly retryable: boolean;
  /** The `cairn` exit code. */
  readonly exitCode: ExitCode;
  /** What to do next, printed by the CLI after a message that does not already say it. */
  readonly hint: string;
}

const USAGE_HINT = "see `cairn <command> --help` for the accepted forms";
const CONFLICT_HINT = "see `cairn info` / `cairn ls NAME` for the current state";

const usage = { httpStatus: 400, retryable: false, exitCode: 2, hint: USAGE_HINT } as const;
const conflict = { httpStatus: 409, retryable: false, exitCode: 5, hint: CONFLICT_HINT } as const;

/** The error table: one row per code (see the file comment). Keep rows grouped by family. */
export const ERRORS = {
  // names and references
  INVALID_NAME: usage,
  INVALID_TYPE: usage,
  INVALID_ALIAS: usage,
  INVALID_TAG: usage,
  INVALID_PROJECT: usage,
  INVALID_ENTITY: usage,
  INVALID_REFERENCE: usage,
  INVALID_PATH: usage,
  INVALID_URI: usage,
  INVALID_MANIFEST: usage,
  INVALID_DIGEST: usage,
  INVALID_DURATION: usage,
  INVALID_INPUT: usage,
  RESERVED_ALIAS: usage,
  DUPLICATE_PATH: usage,
  DRAFT_EMPTY: usage,
  TOO_MANY_OBJECTS: usage,
  // versions, aliases and drafts
  NAME_TAKEN_BY_OTHER_TYPE: conflict,
  ALIASES_STILL_ATTACHED: conflict,
  DRAFT_FINISHED: conflict,
  // The draft's upserts are still being applied: waiting helps.
  DRAFT_NOT_READY: { ...conflict, retryable: true },
  // Optimistic-concurrency conflicts: the next attempt reads the new state.
  CONFLICT: { ...conflict, retryable: true },
  // access
  UNAUTHORIZED: {
    httpStatus: 401,
    retryable: false,
    exitCode: 4,
    hint: "run `cairn login` or set CAIRN_API_KEY to a key with access (`cairn whoami` shows who you are)",
  },
  FORBIDDEN: {
    httpStatus: 403,
    retryable: false,
    exitCode: 4,
    hint: "run `cairn login` or set CAIRN_API_KEY to a key with access (`cairn whoami` shows who you are)",
  },
  NOT_FOUND: {
    httpStatus: 404,
    retryable: false,
    exitCode: 3,
    hint: "check the spelling, or list what exists with `cairn ls`",
  },
  // bytes
  DIGEST_MISMATCH: {
    httpStatus: 422,
    retryable: false,
    exitCode: 7,
    hint: "the bytes differ from their recorded digest; fetch them again",
  },
  PAYLOAD_TOO_LARGE: { ...usage, httpStatus: 413 },
  // storage: the blob store or the database is out of space (507) or unusable (503); the answer
  // names the store and the request id under which the server logged the cause
  STORAGE_FULL: {
    httpStatus: 507,
    retryable: false,
    exitCode: 6,
    hint: "the server's storage needs its operator (quote the request id); retry once it is fixed",
  },
  STORAGE_UNAVAILABLE: {
    httpStatus: 503,
    retryable: true,
    exitCode: 6,
    hint: "the server's storage needs its operator (quote the request id); retry once it is fixed",
  },
  // engines and bugs
  UNAVAILABLE: {
    httpStatus: 503,
    retryable: true,
    exitCode: 6,
    hint: "start it with `cairn server` or point CAIRN_BASE_URL / `cairn login --base-url` at it",
  },
  // A server bug: never reported as "unreachable"; the answer carries a request id to report.
  INTERNAL: {
    httpStatus: 500,
    retryable: false,
    exitCode: 1,
    hint: "this is a server bug, not your request: report it with the request id (the server log has the details)",
  },
  // A local file, directory or config file could not be read or written (permissions, disk).
  LOCAL_IO: {
    httpStatus: 500,
    retryable: false,
    exitCode: 8,
    hint: "check that the path exists and that you may read (or write) it",
  },
} as const satisfies Record<string, ErrorSpec>;

/** Every error code, a literal union callers can switch on exhaustively. */
export type CairnErrorCode = keyof typeof ERRORS;

/** Every error code, in table order. */
export const ERROR_CODES = Object.keys(ERRORS) as readonly CairnErrorCode[];

/** True when `value` is one of {@link ERROR_CODES} (for codes read off the wire). */
export function isErrorCode(value: unknown): value is CairnErrorCode {
  return typeof value === "string" && Object.hasOwn(ERRORS, value);
}

/** The row of {@link ERRORS} for `code`. */
export function errorSpec(code: CairnErrorCode): ErrorSpec {
  return ERRORS[code];
}

/**
 * The code a bare HTTP status stands for when the answer named none (a proxy's 502, a tRPC input
 * error): the family's general code. Unknown 4xx are INVALID_INPUT; 502/504 (a gateway that cannot
 * reach the server), 408 and 429 are UNAVAILABLE; any other 5xx is INTERNAL.
 */
export function codeOfHttpStatus(status: number): CairnErrorCode {
  switch (status) {
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "CONFLICT";
    case 413:
      return "PAYLOAD_TOO_LARGE";
    case 422:
      return "DIGEST_MISMATCH";
    case 507:
      return "STORAGE_FULL";
    case 408:
    case 429:
    case 502:
    case 503:
    case 504:
      return "UNAVAILABLE";
    default:
      return status >= 500 ? "INTERNAL" : "INVALID_INPUT";
  }
}

export class CairnError extends Error {
  override readonly name = "CairnError";
  readonly code: CairnErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: CairnErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

/** True for a {@link CairnError} from any copy of this package (checked by shape, not prototype). */
export function isCairnError(value: unknown, code?: CairnErrorCode): value is CairnError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown };
  if (candidate.name !== "CairnError" || typeof candidate.code !== "string") return false;
  return code === undefined || candidate.code === code;
}
