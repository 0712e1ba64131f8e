import { CairnError, isCairnError } from "@cairn/core";

interface S3ErrorShape {
  name?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** The S3 error name (`NoSuchKey`, `NotFound`, `InvalidRange`…) or HTTP status of a failure. */
export function s3ErrorName(error: unknown): string | undefined {
  const shape = error as S3ErrorShape | null;
  if (typeof shape?.name === "string") return shape.name;
  return typeof shape?.Code === "string" ? shape.Code : undefined;
}

/** True when the failure means "no such object" (HEAD answers a bare 404 `NotFound`). */
export function isMissing(error: unknown): boolean {
  const name = s3ErrorName(error);
  return (
    name === "NoSuchKey" ||
    name === "NotFound" ||
    (error as S3ErrorShape | null)?.$metadata?.httpStatusCode === 404
  );
}

/**
 * Wraps an unexpected bucket failure in `UNAVAILABLE`, keeping the cause; `CairnError`s pass
 * through untouched so domain errors are never hidden behind a transport error.
 */
export function unavailable(error: unknown, bucket: string, action: string): unknown {
  if (isCairnError(error)) return error;
  const name = s3ErrorName(error) ?? "error";
  const message = error instanceof Error ? error.message : String(error);
  return new CairnError(
    "UNAVAILABLE",
    `The blob bucket "${bucket}" failed to ${action} (${name}: ${message}); check the endpoint, credentials and that the bucket exists, then retry.`,
    { cause: error, details: { bucket, action, s3Error: name } },
  );
}
