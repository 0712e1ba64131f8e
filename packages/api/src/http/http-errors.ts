import type { IncomingMessage, ServerResponse } from "node:http";
import { ERRORS, isCairnError } from "@cairn/core";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { toTrpcError } from "../error-map.js";
import { storageFailureOf } from "../storage-errors.js";
import { newRequestId } from "./request-id.js";

/** The JSON body of every non-tRPC error response: `{ error: { code, message, requestId? } }`. */
export interface HttpErrorBody {
  error: { code: string; message: string; requestId?: string };
}

/**
 * HTTP status and body for a thrown value. Domain errors answer their row of the error table
 * (`ERRORS` in `@cairn/core`), so a byte route and a procedure answer the same status for the same
 * mistake; an unreachable engine is UNAVAILABLE (503); anything else is INTERNAL (500), whose
 * message never carries internals but names the request id the server logged it under.
 */
export function httpErrorOf(
  error: unknown,
  requestId?: string,
): { status: number; body: HttpErrorBody } {
  // Storage failures (ENOSPC, EACCES, bucket errors) are rewritten first: their own text may name
  // paths or buckets, so the answer names the store, what to do and the request id instead.
  const domain = storageFailureOf(error, requestId ?? newRequestId()) ?? error;
  if (isCairnError(domain)) {
    const status = ERRORS[domain.code].httpStatus;
    const body: HttpErrorBody = { error: { code: domain.code, message: domain.message } };
    if (status >= 500 && requestId) body.error.requestId = requestId;
    return { status, body };
  }
  const trpc = toTrpcError(error, requestId);
  const status = getHTTPStatusCodeFromError(trpc);
  const code = status === 503 ? "UNAVAILABLE" : status >= 500 ? "INTERNAL" : trpc.code;
  const message =
    requestId && status >= 500 ? `${trpc.message} (request id ${requestId})` : trpc.message;
  const body: HttpErrorBody = { error: { code, message } };
  if (requestId && status >= 500) body.error.requestId = requestId;
  return { status, body };
}

/** Writes a JSON response (no-op when headers were already sent: the stream is then cut). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** Writes `{ error: { code, message } }` with the given status. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, message } } satisfies HttpErrorBody, headers);
}

/**
 * Answers 405 (with `Allow`) unless the request uses `method`; true when it does. `use` says what
 * to send instead, e.g. "PUT the part's bytes."; the message is "<METHOD> is not supported on
 * <path>: <use>".
 */
export function allowOnly(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
  use: string,
): boolean {
  if (req.method === method) return true;
  sendError(res, 405, "METHOD_NOT_SUPPORTED", `${req.method} is not supported on ${path}: ${use}`, {
    allow: method,
  });
  return false;
}
