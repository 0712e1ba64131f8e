import { CairnError } from "@cairn/core";

const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** True when `value` is a blob digest: 64 lowercase hex characters (a SHA-256). */
export function isBlobDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

/**
 * Throws `INVALID_DIGEST` unless `digest` is 64 lowercase hex characters. Checked before any path
 * or key is built from it, so a digest can never escape the store's directory or prefix.
 */
export function assertBlobDigest(digest: string): void {
  if (!isBlobDigest(digest)) {
    throw new CairnError(
      "INVALID_DIGEST",
      `"${String(digest).slice(0, 80)}" is not a blob digest: expected the SHA-256 of the bytes as 64 lowercase hex characters (0-9, a-f).`,
      { details: { digest } },
    );
  }
}

/**
 * The sharded relative location of a blob, `ab/cd/<digest>`: two levels of 256 directories keep
 * any one directory small even with millions of blobs.
 */
export function shardedPath(digest: string): string {
  return `${digest.slice(0, 2)}/${digest.slice(2, 4)}/${digest}`;
}
