import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): every delivery carries
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list
 * of `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` — one per valid secret, so a
 * receiver keeps verifying with either secret while a rotation is under way. Secrets are
 * `whsec_<base64 key>`; the key is the decoded bytes.
 */

/** Prefix of a signing secret (Standard Webhooks). */
export const SECRET_PREFIX = "whsec_";
/** Bytes of a generated key (the spec asks for 24–64). */
const KEY_BYTES = 32;

/** A new random signing secret, `whsec_…`. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(KEY_BYTES).toString("base64");
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
}

/** The `webhook-signature` header value for one body, signed with every given secret. */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): string {
  return secrets
    .map((secret) => {
      const mac = createHmac("sha256", keyOf(secret))
        .update(`${id}.${timestamp}.${body}`)
        .digest("base64");
      return `v1,${mac}`;
    })
    .join(" ");
}

/** The three Standard Webhooks headers of a delivery. */
export function signedHeaders(
  secrets: readonly string[],
  id: string,
  now: Date,
  body: string,
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatureHeader(secrets, id, timestamp, body),
  };
}

/** True when one `v1` signature of the header was made with `secret` (constant-time compare). */
export function signatureValid(
  secret: string,
  header: string,
  id: string,
  timestamp: number,
  body: string,
): boolean {
  const expected = Buffer.from(signatureHeader([secret], id, timestamp, body).slice(3), "base64");
  return header.split(" ").some((part) => {
    const [version, mac] = part.split(",", 2);
    if (version !== "v1" || mac === undefined) return false;
    const given = Buffer.from(mac, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const SEAL_VERSION = "s1";

function sealKey(deploymentKey: Uint8Array): Buffer {
  return Buffer.from(
    hkdfSync("sha256", deploymentKey, Buffer.alloc(0), "cairn webhook secrets", 32),
  );
}

/**
 * Encrypts a signing secret for storage (AES-256-GCM under a key derived from the deployment's
 * signing secret), so a database dump alone does not let anyone forge deliveries.
 */
export function sealSecret(deploymentKey: Uint8Array, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealKey(deploymentKey), iv);
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return `${SEAL_VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
}

/** Decrypts a {@link sealSecret} value. */
export function openSecret(deploymentKey: Uint8Array, sealed: string): string {
  const [version, packed] = sealed.split(".", 2);
  if (version !== SEAL_VERSION || packed === undefined) {
    throw new Error("A stored webhook secret has an unknown format.");
  }
  const raw = Buffer.from(packed, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", sealKey(deploymentKey), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}
