import { CairnError, type CairnErrorCode, ERROR_CODES } from "@cairn/core";
import { isNetworkError } from "../transport/retry.js";

const KNOWN = new Set<string>(ERROR_CODES);

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
  let code: CairnErrorCode = response.status >= 500 ? "UNAVAILABLE" : "INVALID_INPUT";
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code && KNOWN.has(body.error.code)) code = body.error.code as CairnErrorCode;
    if (body.error?.message) message = body.error.message;
  } catch {
    // Not JSON: a bucket's XML error, kept as text.
  }
  if (response.status === 403 && code === "INVALID_INPUT") code = "FORBIDDEN";
  if (response.status === 404 && code === "INVALID_INPUT") code = "NOT_FOUND";
  return new CairnError(
    code,
    `${what} failed with HTTP ${response.status}: ${message || response.statusText}`,
    {
      details: { status: response.status },
    },
  );
}
