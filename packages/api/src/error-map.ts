import { type CairnErrorCode, ERRORS, isCairnError } from "@cairn/core";
import { TRPCError } from "@trpc/server";
import { newRequestId } from "./http/request-id.js";
import { storageFailureOf } from "./storage-errors.js";

type TrpcCode = TRPCError["code"];

/**
 * tRPC's code for each HTTP status the error table (`ERRORS` in `@cairn/core`) uses — the inverse
 * of tRPC's own code → status table. A new status in the table needs a row here (a test checks).
 */
export const TRPC_CODE_OF_STATUS: Readonly<Record<number, TrpcCode>> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  422: "UNPROCESSABLE_CONTENT",
  429: "TOO_MANY_REQUESTS",
  500: "INTERNAL_SERVER_ERROR",
  503: "SERVICE_UNAVAILABLE",
  // tRPC has no 507: a procedure answers 503 with domain code STORAGE_FULL; byte routes answer 507.
  507: "SERVICE_UNAVAILABLE",
};

/** The tRPC code a domain code answers with, read off the error table. */
export function trpcCodeOf(code: CairnErrorCode): TrpcCode {
  return TRPC_CODE_OF_STATUS[ERRORS[code].httpStatus] ?? "INTERNAL_SERVER_ERROR";
}

/** The message of every 500: the cause is logged, never sent. */
export const INTERNAL_MESSAGE =
  "Internal error: the server logged it; retry, and report it with the request id if it persists.";

/** The request id each error mapped by {@link toTrpcError} belongs to (for failure logs). */
const requestIds = new WeakMap<TRPCError, string>();

/** The request id passed to {@link toTrpcError} when it produced `error`, if any. */
export function requestIdOfError(error: TRPCError): string | undefined {
  return requestIds.get(error);
}

/**
 * Converts a thrown value into a TRPCError, keeping the original as `cause`. `requestId` is the
 * id the failure is logged under (a storage failure's answer quotes it); a fresh one without.
 */
export function toTrpcError(error: unknown, requestId?: string): TRPCError {
  const mapped = mapError(error, requestId);
  if (requestId !== undefined) requestIds.set(mapped, requestId);
  return mapped;
}

function mapError(error: unknown, requestId: string | undefined): TRPCError {
  if (error instanceof TRPCError) return error;
  // Storage failures (ENOSPC, EACCES, bucket errors) never pass their internal text on: the
  // answer names the store, what to do and the request id under which the cause was logged.
  const storage = storageFailureOf(error, requestId ?? newRequestId());
  if (storage) {
    return new TRPCError({
      code: trpcCodeOf(storage.code),
      message: storage.message,
      cause: storage,
    });
  }
  if (isCairnError(error)) {
    return new TRPCError({
      code: trpcCodeOf(error.code),
      message: error.message,
      cause: error,
    });
  }
  if (isEngineUnavailable(error)) {
    return new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message:
        "The metadata database or job queue is unreachable right now (connection lost): nothing was half-written; retry in a moment.",
      cause: error,
    });
  }
  return new TRPCError({
    code: "INTERNAL_SERVER_ERROR",
    message: INTERNAL_MESSAGE,
    cause: error,
  });
}

// Node socket errors and PostgreSQL SQLSTATEs of a lost or refused connection (class 08, and
// 57P01–57P03: the server is shutting down or starting up).
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "57P01",
  "57P02",
  "57P03",
]);

/**
 * True for errors that mean an engine (PostgreSQL, Redis) could not be reached — the request did
 * not happen and can be retried — as opposed to a bug. Looks through `cause` chains.
 */
export function isEngineUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    if (
      typeof message === "string" &&
      /Connection terminated|connection (?:is )?closed|Client has encountered a connection error/i.test(
        message,
      )
    ) {
      return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
