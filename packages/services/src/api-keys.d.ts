/** A freshly generated key and what is stored of it. */
export interface GeneratedApiKey {
    key: string;
    prefix: string;
    hash: string;
}
/** Generates a new random API key. */
export declare function generateApiKey(): GeneratedApiKey;
/** SHA-256 hex of a whole key. */
export declare function hashApiKey(key: string): string;
/** The key id of a well-formed key, or null for anything else. */
export declare function apiKeyPrefix(key: string): string | null;
/** Constant-time comparison of a presented key with a stored hash. */
export declare function apiKeyMatches(key: string, storedHash: string): boolean;
//# sourceMappingURL=api-keys.d.ts.map