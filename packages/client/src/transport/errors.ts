import { CairnError, codeOfHttpStatus, isCairnError, isErrorCode } from "@cairn/core";
import { isNetworkError, isOutcomeUnknown } from "./retry.js";

/** The error an unreachable server becomes (after the transport's retries). */
export function unreachable(baseUrl: string, cause: unknown): CairnError {
  return new CairnError(
    "UNAVAILABLE",
    `Cannot reach the Cairn server at ${baseUrl}: is it running? (cairn server) Check CAIRN_BASE_URL or the baseUrl option.`,
    { cause, details: { baseUrl } },
  );
}

/**
 * The error of a mutation whose connection broke after the request may have reached the server:
 * it is not retried (it may have taken effect), and the message says how to find out.
 */
export function outcomeUnknown(baseUrl: string, cause: unknown): CairnError {
  return new CairnError(
    "UNAVAILABLE",
    `The connection to the Cairn server at ${baseUrl} broke after the request was sent, so it may or may not have taken effect: check the result (e.g. \`cairn info\` / \`cairn ls\`) before repeating it.`,
    { cause, details: { baseUrl, outcomeUnknown: true } },
  );
}

/** The INTERNAL error of a server bug: names the request id the server logged it under. */
export function internalError(
  baseUrl: string,
  requestId: string | null | undefined,
  cause: unknown,
): CairnError {
  const id = requestId ? ` (request id ${requestId})` : "";
  return new CairnError(
    "INTERNAL",
    `The Cairn server at ${baseUrl} failed with an internal error${id}: this is a server bug, not a problem with your request; report it with the request id.`,
    { cause, details: { baseUrl, requestId: requestId ?? null } },
  );
}

interface TrpcErrorLike {
  message: string;
  data?: {
    code?: string;
    domainCode?: string | null;
    httpStatus?: number;
    requestId?: string | null;
  } | null;
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
 * message when it sent one (the server's message already says what to do), INTERNAL with the
 * request id for a server bug (a 500 — never "unreachable"), UNAVAILABLE for a connection failure,
 * and otherwise the code the error table gives the HTTP status. The original is `cause`.
 */
export function toCairnError(error: unknown, baseUrl: string): CairnError {
  if (isCairnError(error)) return error;
  if (isOutcomeUnknown(error)) return outcomeUnknown(baseUrl, error);
  if (isTrpcClientError(error)) {
    const data = error.data;
    const domain = data?.domainCode;
    if (domain === "INTERNAL" || (!isErrorCode(domain) && data?.httpStatus === 500)) {
      return internalError(baseUrl, data?.requestId, error);
    }
    if (isErrorCode(domain)) {
      return new CairnError(domain, error.message, {
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
    const code = codeOfHttpStatus(data.httpStatus ?? 503);
    if (code === "INTERNAL") return internalError(baseUrl, data.requestId, error);
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
