import { createHmac, timingSafeEqual } from "node:crypto";
import { CairnError } from "@cairn/core";

/**
 * Byte routes (`PUT|GET /blobs/<digest>?t=<token>`) of the directory store carry a short-lived
 * HMAC token instead of an API key: the tRPC procedure that hands the URL out has already checked
 * access, and any server process holding the shared signing secret can verify it (no session
 * state). Format: base64url(JSON claims) "." base64url(HMAC-SHA256(secret, payload)).
 */
export interface ByteTokenClaims {
  /** The blob's SHA-256. */
  d: string;
  /**
   * `put`: upload the blob for entity `e`; `get`: download it; `put-bundle`: upload bundles of
   * blobs for entity `e` (`d` is then {@link BUNDLE_TOKEN_SUBJECT}: the bytes prove each digest);
   * `put-part`: upload part `n` (`s` bytes) of multipart upload `u` of the blob (no owner: the
   * blobs.complete call that assembles the parts records ownership).
   */
  op: ByteTokenOp;
  /**
   * The entities whose possession the upload proves (put and put-bundle): the acting user, and
   * the project's entity when the user is a member of it (a single string in older tokens).
   */
  e?: string | string[];
  /** The exact byte length to accept (put and put-part). */
  s?: number;
  /** The multipart upload a `put-part` token is for (an id from the store's createUnsignedMultipart). */
  u?: string;
  /** The part number a `put-part` token is for (1-based). */
  n?: number;
  /** Expiry, seconds since the epoch. */
  x: number;
}

/** What a byte token allows. */
export type ByteTokenOp = "put" | "get" | "put-bundle" | "put-part";

/** The `d` claim of bundle tokens, which name no single blob. */
export const BUNDLE_TOKEN_SUBJECT = "bundle";

/** The possession entities a token names (empty: none). */
export function tokenOwners(claims: ByteTokenClaims): string[] {
  if (claims.e === undefined) return [];
  return (Array.isArray(claims.e) ? claims.e : [claims.e]).filter(
    (e): e is string => typeof e === "string" && e.length > 0,
  );
}

/** Signs claims into a token. */
export function signByteToken(secret: Uint8Array, claims: ByteTokenClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const mac = createHmac("sha256", secret).update(payload).digest("base64url");
  return `${payload}.${mac}`;
}

/**
 * Verifies a token for `digest` and `op` and returns its claims; throws UNAUTHORIZED (bad or
 * forged token) or FORBIDDEN (expired, other blob, other operation) with what to do.
 */
export function verifyByteToken(
  secret: Uint8Array,
  token: string | null | undefined,
  expect: { digest: string; op: ByteTokenOp; nowSeconds?: number },
): ByteTokenClaims {
  const [payload, mac] = (token ?? "").split(".");
  if (!payload || !mac) {
    throw new CairnError(
      "UNAUTHORIZED",
      "Missing or malformed byte-transfer token: request a fresh URL from the API (blobs.missing / artifacts.fileUrls).",
    );
  }
  const expected = createHmac("sha256", secret).update(payload).digest();
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new CairnError(
      "UNAUTHORIZED",
      "Invalid byte-transfer token: request a fresh URL from the API.",
    );
  }
  let claims: ByteTokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as ByteTokenClaims;
  } catch (cause) {
    throw new CairnError("UNAUTHORIZED", "Invalid byte-transfer token payload.", { cause });
  }
  const now = expect.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (claims.x < now) {
    throw new CairnError(
      "FORBIDDEN",
      "This byte-transfer URL has expired: request a fresh one from the API.",
    );
  }
  if (claims.d !== expect.digest || claims.op !== expect.op) {
    throw new CairnError("FORBIDDEN", "This byte-transfer URL is for another blob or operation.");
  }
  return claims;
}
