/**
 * Every rule in `@cairn/core` that refuses something throws a {@link CairnError}: a literal `code`
 * that callers switch on, a message saying what is wrong and what is allowed, and optional details.
 * Identify errors with {@link isCairnError} (by `name` and `code`), not `instanceof`, so duplicated
 * copies of this package in one process still recognise each other's errors.
 */
export const ERROR_CODES = [
  // names and references
  "INVALID_NAME",
  "INVALID_TYPE",
  "INVALID_ALIAS",
  "INVALID_TAG",
  "INVALID_PROJECT",
  "INVALID_ENTITY",
  "INVALID_REFERENCE",
  "INVALID_PATH",
  "INVALID_URI",
  "INVALID_MANIFEST",
  "INVALID_DIGEST",
  "INVALID_DURATION",
  "INVALID_INPUT",
  // versions and aliases
  "NAME_TAKEN_BY_OTHER_TYPE",
  "RESERVED_ALIAS",
  "ALIASES_STILL_ATTACHED",
  "DUPLICATE_PATH",
  // drafts
  "DRAFT_FINISHED",
  "DRAFT_NOT_READY",
  "DRAFT_EMPTY",
  // access
  "FORBIDDEN",
  "UNAUTHORIZED",
  "NOT_FOUND",
  "CONFLICT",
  "DIGEST_MISMATCH",
  "PAYLOAD_TOO_LARGE",
  "UNAVAILABLE",
  // storage: the blob store or the database is out of space (507) or unusable (503)
  "STORAGE_FULL",
  "STORAGE_UNAVAILABLE",
  "TOO_MANY_OBJECTS",
] as const;

export type CairnErrorCode = (typeof ERROR_CODES)[number];

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
