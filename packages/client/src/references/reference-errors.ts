import { CairnError } from "@cairn/core";

/** The error for a reference whose source no longer matches what was logged. */
export function drift(uri: string, why: string): CairnError {
  return new CairnError(
    "DIGEST_MISMATCH",
    `The referenced object ${uri} changed since it was logged (${why}). Its logged contents are no longer available at that URI; log a new version of the artifact to track the current object.`,
    { details: { uri, reason: why } },
  );
}
