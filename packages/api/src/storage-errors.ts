import { CairnError, isCairnError } from "@cairn/core";

// errno codes of a full disk or quota, and of a store the server may not (or no longer) use.
const FULL_CODES = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);
const UNUSABLE_CODES = new Set(["EACCES", "EPERM", "EROFS", "EIO", "EMFILE", "ENFILE"]);
// PostgreSQL SQLSTATE class 53 (insufficient resources: disk full, out of memory, too many
// connections) and PGlite's own "could not extend file … No space left on device".
const PG_FULL = /^53/;
const NO_SPACE_TEXT = /No space left on device|could not extend file|disk full/i;

/**
 * Classifies a thrown value as a storage failure, or returns null. The result is a CairnError
 * (`STORAGE_FULL` → 507 on byte routes, 503 with that domain code on tRPC; `STORAGE_UNAVAILABLE`
 * → 503) whose message names the store and what to do, and carries the request id under which
 * the original error is logged — never the original text, which may hold paths or bucket names.
 */
export function storageFailureOf(error: unknown, requestId: string): CairnError | null {
  const kind = classify(error);
  if (!kind) return null;
  const code = kind.full ? "STORAGE_FULL" : "STORAGE_UNAVAILABLE";
  const what = kind.store === "database" ? "metadata database" : "blob store";
  const message = kind.full
    ? `The server's ${what} is full: nothing was stored. Ask the operator to free space or grow the volume (request id ${requestId}), then retry.`
    : `The server's ${what} cannot be used right now: nothing was stored. Ask the operator to check its permissions and health (request id ${requestId}), then retry.`;
  return new CairnError(code, message, {
    cause: error,
    details: { store: kind.store, requestId },
  });
}

function classify(error: unknown): { full: boolean; store: "blobs" | "database" } | null {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 6; depth++) {
    if (isCairnError(e) && (e.code === "STORAGE_FULL" || e.code === "STORAGE_UNAVAILABLE")) {
      return {
        full: e.code === "STORAGE_FULL",
        store: e.details?.store === "database" ? "database" : "blobs",
      };
    }
    const { code, message, syscall } = e as {
      code?: unknown;
      message?: unknown;
      syscall?: unknown;
    };
    if (typeof code === "string") {
      if (FULL_CODES.has(code)) return { full: true, store: "blobs" };
      // A file-system errno from a syscall is the blob store's (the database reports SQLSTATEs).
      if (UNUSABLE_CODES.has(code) && typeof syscall === "string")
        return { full: false, store: "blobs" };
      if (PG_FULL.test(code) && code.length === 5) return { full: true, store: "database" };
    }
    if (typeof message === "string" && NO_SPACE_TEXT.test(message)) {
      return {
        full: true,
        store: /could not extend file|relation|pg_|base\//.test(message) ? "database" : "blobs",
      };
    }
    // The S3 store wraps every bucket failure as UNAVAILABLE with the bucket in its details.
    if (isCairnError(e) && e.code === "UNAVAILABLE" && e.details?.bucket !== undefined) {
      return { full: false, store: "blobs" };
    }
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}
