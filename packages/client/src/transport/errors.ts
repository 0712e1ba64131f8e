import { CairnError, type CairnErrorCode, ERROR_CODES, isCairnError } from "@cairn/core";
import { isNetworkError } from "./retry.js";

const KNOWN_CODES = new Set<string>(ERROR_CODES);

// tRPC codes of errors that carry no domain code (zod input errors, auth middleware, 500s).
const TRPC_TO_DOMAIN: Record<string, CairnErrorCode> = {
  BAD_REQUEST: "INVALID_INPUT",
  PARSE_ERROR: "INVALID_INPUT",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNPROCESSABLE_CONTENT: "DIGEST_MISMATCH",
  SERVICE_UNAVAILABLE: "UNAVAILABLE",
  TOO_MANY_REQUESTS: "UNAVAILABLE",
  TIMEOUT: "UNAVAILABLE",
};

/** The error an unreachable server becomes (after the transport's retries). */
export function unreachable(baseUrl: string, cause: unknown): CairnError {
  return new CairnError(
    "UNAVAILABLE",
    `Cannot reach the Cairn server at ${baseUrl}: is it running? (cairn server) Check CAIRN_BASE_URL or the baseUrl option.`,
    { cause, details: { baseUrl } },
  );
}

interface TrpcErrorLike {
  message: string;
  data?: { code?: string; domainCode?: string | null; httpStatus?: number } | null;
  cause?: unknown;
}

function isTrpcClientError(error: unknown): error is TrpcErrorLike {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "TRPCClientError"
  );
}

/**
 * Translates whatever a tRPC call threw into a {@link CairnError}: the server's `domainCode` and
 * message when it sent one (the server's message already says what to do), UNAVAILABLE for a
 * connection failure, and a code derived from the tRPC code otherwise. The original is `cause`.
 */
export function toCairnError(error: unknown, baseUrl: string): CairnError {
  if (isCairnError(error)) return error;
  if (isTrpcClientError(error)) {
    const data = error.data;
    const domain = data?.domainCode;
    if (domain && KNOWN_CODES.has(domain)) {
      return new CairnError(domain as CairnErrorCode, error.message, {
        cause: error,
        details: { trpcCode: data?.code },
      });
    }
    if (!data) {
      if (isNetworkError(error)) return unreachable(baseUrl, error);
      return new CairnError(
        "UNAVAILABLE",
        `The Cairn server at ${baseUrl} answered something that is not a Cairn API response (${error.message}). Check that baseUrl points at a Cairn server and that it is healthy.`,
        { cause: error, details: { baseUrl } },
      );
    }
    const code = (data.code && TRPC_TO_DOMAIN[data.code]) || "UNAVAILABLE";
    return new CairnError(code, error.message, {
      cause: error,
      details: { trpcCode: data.code },
    });
  }
  if (isNetworkError(error)) return unreachable(baseUrl, error);
  return new CairnError(
    "UNAVAILABLE",
    `Request to the Cairn server at ${baseUrl} failed: ${(error as Error)?.message ?? String(error)}.`,
    { cause: error },
  );
}
