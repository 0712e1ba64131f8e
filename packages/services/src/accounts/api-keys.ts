import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys look like `cairn_<keyId>_<secret>`: the 12-character key id finds the row (`prefix`
 * column), the SHA-256 of the whole key verifies it. Only the hash is stored; the key is shown once.
 */
const KEY_PATTERN = /^cairn_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** A freshly generated key and what is stored of it. */
export interface GeneratedApiKey {
  key: string;
  prefix: string;
  hash: string;
}

/** Generates a new random API key. */
export function generateApiKey(): GeneratedApiKey {
  const idBytes = randomBytes(12);
  let prefix = "";
  for (const byte of idBytes) prefix += BASE32[byte % 32];
  const key = `cairn_${prefix}_${randomBytes(32).toString("base64url")}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** SHA-256 hex of a whole key. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The key id of a well-formed key, or null for anything else. */
export function apiKeyPrefix(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** Constant-time comparison of a presented key with a stored hash. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(key), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
