import type { ServerResponse } from "node:http";
import { isCairnError } from "@cairn/core";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { toTrpcError } from "../error-map.js";

/** The JSON body of every non-tRPC error response: `{ error: { code, message } }`. */
export interface HttpErrorBody {
  error: { code: string; message: string };
}

/**
 * HTTP status and body for a thrown value. Domain errors go through the same table as tRPC
 * (`DOMAIN_TO_TRPC`), so a byte route and a procedure answer the same status for the same
 * mistake; anything else is a 500 whose message never carries internals.
 */
export function httpErrorOf(error: unknown): { status: number; body: HttpErrorBody } {
  const trpc = toTrpcError(error);
  const cause = trpc.cause;
  // Byte routes can say what tRPC cannot: 507 Insufficient Storage for a full store.
  const status =
    isCairnError(cause) && cause.code === "STORAGE_FULL" ? 507 : getHTTPStatusCodeFromError(trpc);
  const code = isCairnError(cause) ? cause.code : isCairnError(error) ? error.code : trpc.code;
  return { status, body: { error: { code, message: trpc.message } } };
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
