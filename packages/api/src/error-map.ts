import { type CairnErrorCode, isCairnError } from "@cairn/core";
import { TRPCError } from "@trpc/server";
import { currentRequestId } from "./request-context.js";
import { storageFailureOf } from "./storage-errors.js";

type TrpcCode = TRPCError["code"];

/**
 * The one place domain error codes become HTTP-facing tRPC codes. Every user mistake maps to a
 * 4xx; only errors that are not `CairnError`s (bugs, engine failures) stay INTERNAL_SERVER_ERROR.
 */
export const DOMAIN_TO_TRPC: Record<CairnErrorCode, TrpcCode> = {
  INVALID_NAME: "BAD_REQUEST",
  INVALID_TYPE: "BAD_REQUEST",
  INVALID_ALIAS: "BAD_REQUEST",
  INVALID_TAG: "BAD_REQUEST",
  INVALID_PROJECT: "BAD_REQUEST",
  INVALID_ENTITY: "BAD_REQUEST",
  INVALID_REFERENCE: "BAD_REQUEST",
  INVALID_PATH: "BAD_REQUEST",
  INVALID_URI: "BAD_REQUEST",
  INVALID_MANIFEST: "BAD_REQUEST",
  INVALID_DIGEST: "BAD_REQUEST",
  INVALID_DURATION: "BAD_REQUEST",
  INVALID_INPUT: "BAD_REQUEST",
  RESERVED_ALIAS: "BAD_REQUEST",
  DUPLICATE_PATH: "BAD_REQUEST",
  DRAFT_EMPTY: "BAD_REQUEST",
  TOO_MANY_OBJECTS: "BAD_REQUEST",
  DIGEST_MISMATCH: "UNPROCESSABLE_CONTENT",
  NAME_TAKEN_BY_OTHER_TYPE: "CONFLICT",
  ALIASES_STILL_ATTACHED: "CONFLICT",
  DRAFT_FINISHED: "CONFLICT",
  DRAFT_NOT_READY: "CONFLICT",
  CONFLICT: "CONFLICT",
  FORBIDDEN: "FORBIDDEN",
  UNAUTHORIZED: "UNAUTHORIZED",
  NOT_FOUND: "NOT_FOUND",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
  // tRPC has no 507: procedures answer 503 with domainCode STORAGE_FULL; byte routes answer 507.
  STORAGE_FULL: "SERVICE_UNAVAILABLE",
  STORAGE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

/** Converts a thrown value into a TRPCError, keeping the original as `cause`. */
export function toTrpcError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  // Storage failures (ENOSPC, EACCES, bucket errors) never pass their internal text on: the
  // answer names the store, what to do and the request id under which the cause was logged.
  const storage = storageFailureOf(error, currentRequestId());
  if (storage) {
    return new TRPCError({
      code: DOMAIN_TO_TRPC[storage.code],
      message: storage.message,
      cause: storage,
    });
  }
  if (isCairnError(error)) {
    return new TRPCError({
      code: DOMAIN_TO_TRPC[error.code],
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
    message: `Internal error: the server logged it under request id ${currentRequestId()}; retry, and report that id if it persists.`,
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
