import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The header a request id travels in, both ways. */
export const REQUEST_ID_HEADER = "x-request-id";

// A proxy's id is kept when it is short and plain (it is logged and echoed back).
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Gives the request an id — the caller's or proxy's `x-request-id` when it is a plain token of at
 * most 64 characters, a fresh UUID otherwise — and sets it on the response header.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === "string" && ACCEPTED_ID.test(incoming) ? incoming : newRequestId();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** A fresh request id (a UUID), also for failures outside an HTTP request (direct callers). */
export function newRequestId(): string {
  return randomUUID();
}

/** The id {@link assignRequestId} set on this response, if any. */
export function requestIdOf(res: ServerResponse): string | undefined {
  const value = res.getHeader(REQUEST_ID_HEADER);
  return typeof value === "string" ? value : undefined;
}
