import { CairnError, type CairnErrorCode, codeOfHttpStatus, isErrorCode } from "@cairn/core";
import { isNetworkError } from "../transport/retry.js";

/** A failed byte transfer that is worth retrying (5xx, connection failure). */
export function isRetryableTransfer(error: unknown): boolean {
  if (isNetworkError(error)) return true;
  const status = (error as { details?: { status?: unknown } })?.details?.status;
  return typeof status === "number" && (status >= 500 || status === 408 || status === 429);
}

/**
 * The CairnError of a non-2xx byte-route or bucket answer. The server's byte routes answer
 * `{ error: { code, message } }`; a bucket answers XML, whose text is kept in the message.
 */
export async function transferError(response: Response, what: string): Promise<CairnError> {
  const text = await response.text().catch(() => "");
  let code: CairnErrorCode = codeOfHttpStatus(response.status);
  let message = text.slice(0, 500);
  let requestId = response.headers.get("x-request-id");
  try {
    const body = JSON.parse(text) as {
      error?: { code?: string; message?: string; requestId?: string };
    };
    if (isErrorCode(body.error?.code)) code = body.error.code;
    if (body.error?.message) message = body.error.message;
    if (body.error?.requestId) requestId = body.error.requestId;
  } catch {
    // Not JSON: a bucket's XML error, kept as text.
  }
  // A bucket's 500 is the bucket's trouble, not a Cairn server bug: only a Cairn answer (which
  // carries a request id) is INTERNAL.
  if (code === "INTERNAL" && !requestId) code = "UNAVAILABLE";
  const id = code === "INTERNAL" ? ` (request id ${requestId}; a server bug: report it)` : "";
  return new CairnError(
    code,
    `${what} failed with HTTP ${response.status}: ${message || response.statusText}${id}`,
    {
      details: { status: response.status, ...(requestId ? { requestId } : {}) },
    },
  );
}
