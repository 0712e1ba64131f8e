import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";

/** What every log line and error answer of one HTTP request can name. */
export interface RequestContext {
  /** Short random id, sent as `x-request-id` and quoted in answers to failures the server logged. */
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** A fresh request id (12 base64url characters). */
export function newRequestId(): string {
  return randomBytes(9).toString("base64url");
}

/** Runs `fn` with `context` as the current request's context. */
export function runWithRequest<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The current request's id, or a fresh one outside a request (e.g. in a direct caller test). */
export function currentRequestId(): string {
  const context = storage.getStore();
  if (context) return context.requestId;
  const id = newRequestId();
  return id;
}
