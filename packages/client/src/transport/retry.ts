/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** Total attempts, the first included. Default 4. */
  attempts?: number;
  /** Delay before the first retry in ms; doubled each time (with jitter). Default 200. */
  baseMs?: number;
  /** Longest delay between attempts in ms. Default 5,000. */
  maxMs?: number;
}

/** The delay before retry number `retry` (0-based): exponential, capped, with ±25 % jitter. */
export function backoffDelay(retry: number, options: RetryOptions = {}): number {
  const base = options.baseMs ?? 200;
  const max = options.maxMs ?? 5_000;
  const exact = Math.min(max, base * 2 ** retry);
  // Jitter spreads the retries of many parallel uploads that failed together.
  return Math.round(exact * (0.75 + Math.random() * 0.5));
}

/**
 * Runs `fn` until it succeeds, `isRetryable(error)` says no, or the attempts are spent; waits
 * {@link backoffDelay} between attempts. The last error is thrown as is.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt + 1 >= attempts || !isRetryable(error)) throw error;
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, options)));
    }
  }
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** True when `error` or one of its first five causes satisfies `test`. */
function someCause(
  error: unknown,
  test: (e: { code?: unknown; name?: unknown }) => boolean,
): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    if (test(current as { code?: unknown; name?: unknown })) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const hasCodeIn =
  (codes: ReadonlySet<string>) =>
  (e: { code?: unknown }): boolean =>
    typeof e.code === "string" && codes.has(e.code);

/** True for a failed connection (fetch's `TypeError: fetch failed` and its system-error cause). */
export function isNetworkError(error: unknown): boolean {
  return someCause(
    error,
    (e) => hasCodeIn(NETWORK_CODES)(e) || (e instanceof TypeError && e.message === "fetch failed"),
  );
}

// Failures before a connection existed: the request cannot have reached the server.
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * True when a failed request provably never reached the server (no connection was made), so even
 * a mutation can be sent again. A reset or timeout after connecting is not: the server may have
 * run the request and only the answer was lost.
 */
export function wasNotSent(error: unknown): boolean {
  return someCause(error, hasCodeIn(NOT_SENT_CODES));
}

/**
 * Thrown by the transport for a mutation whose connection broke after it was sent: it is not
 * retried (it may have taken effect). Identified by `name`; the network error is `cause`.
 */
export class OutcomeUnknownError extends Error {
  override readonly name = "OutcomeUnknownError";
  constructor(cause: unknown) {
    super("The connection broke after the request was sent.", { cause });
  }
}

/** True when `error` or one of its causes is an {@link OutcomeUnknownError}. */
export function isOutcomeUnknown(error: unknown): boolean {
  return someCause(error, (e) => e.name === "OutcomeUnknownError");
}
