import { CairnError } from "@cairn/core";
import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";
import { apiKeyMatches, apiKeyPrefix, hashApiKey } from "./accounts/api-keys.js";

/** Who is calling: a signed-in user, or `null` for anonymous requests. */
export interface Actor {
  userId: string;
  userName: string;
  /** Site administrators (the first user) may do everything, including creating users. */
  isSiteAdmin: boolean;
}

/** Site admins are the members of the reserved `admins` team, or the bootstrap user. */
export const SITE_ADMINS_TEAM = "cairn-admins";

/**
 * A short-lived, bounded, in-process cache of API key → actor, so hot reads skip the key lookup.
 * Entries are keyed by the key's SHA-256 (the clear key is never stored) and live `ttlMs`.
 * Staleness: `forgetKey` (call it on revoke) makes a revocation immediate in THIS process; other
 * server processes keep honouring a revoked key, or a removed site-admin membership, for at most
 * `ttlMs`. Project access is never cached (it is checked on every request by resolveProject).
 */
export interface ActorCache {
  /** The cached actor for a key hash, or undefined when absent or expired. */
  get(keyHash: string): Actor | undefined;
  /** Remembers `actor` for `keyHash` (the key row's id allows `forgetKey`). */
  set(keyHash: string, keyId: string, actor: Actor): void;
  /** Drops the entry of one key (by key row id), e.g. right after revoking it. */
  forgetKey(keyId: string): void;
  /** Drops everything (e.g. after membership changes that alter site-admin status). */
  clear(): void;
}

/** Options of {@link createActorCache}. */
export interface ActorCacheOptions {
  /** How long an entry is trusted (default 5 s): the cross-process revocation delay. */
  ttlMs?: number;
  /** Most keys remembered (default 1,000); the least recently used go first. */
  maxEntries?: number;
  /** Clock in ms; tests pass a fake one. */
  now?: () => number;
}

/** Creates an {@link ActorCache} (an LRU on a Map's insertion order). */
export function createActorCache(options: ActorCacheOptions = {}): ActorCache {
  const ttlMs = options.ttlMs ?? 5_000;
  const maxEntries = options.maxEntries ?? 1_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { keyId: string; actor: Actor; expiresAt: number }>();
  return {
    get(keyHash) {
      const entry = entries.get(keyHash);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(keyHash);
        return undefined;
      }
      // Re-insert to mark it most recently used.
      entries.delete(keyHash);
      entries.set(keyHash, entry);
      return entry.actor;
    },
    set(keyHash, keyId, actor) {
      entries.delete(keyHash);
      entries.set(keyHash, { keyId, actor, expiresAt: now() + ttlMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
    },
    forgetKey(keyId) {
      for (const [hash, entry] of entries) if (entry.keyId === keyId) entries.delete(hash);
    },
    clear() {
      entries.clear();
    },
  };
}

/**
 * Resolves an `Authorization` header (`Bearer <key>`) to an actor. No header → anonymous (null).
 * A header with an unknown, malformed or revoked key is refused with UNAUTHORIZED rather than
 * silently treated as anonymous, so a typo in a key never looks like "project not found".
 * With a `cache`, a key seen within its TTL costs no query at all; without, one query (plus the
 * throttled `last_used_at` touch).
 */
export async function authenticate(
  db: Kysely<Database>,
  authorization: string | undefined | null,
  cache?: ActorCache,
): Promise<Actor | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  const key = match?.[1];
  const prefix = key ? apiKeyPrefix(key) : null;
  if (!key || !prefix) {
    throw new CairnError(
      "UNAUTHORIZED",
      "The Authorization header is not `Bearer cairn_<id>_<secret>`: pass the API key printed by `cairn keys create` (or on first start).",
    );
  }
  const keyHash = cache ? hashApiKey(key) : "";
  const cached = cache?.get(keyHash);
  if (cached) return cached;
  // One round trip: the key, its user, and whether the user is in the site-admins team.
  const row = await db
    .selectFrom("api_keys")
    .innerJoin("entities", "entities.id", "api_keys.entity_id")
    .select((eb) => [
      "api_keys.id as keyId",
      "api_keys.hash",
      "api_keys.revoked_at",
      "api_keys.last_used_at",
      "entities.id as userId",
      "entities.name as userName",
      "entities.disabled_at",
      eb
        .exists(
          eb
            .selectFrom("memberships")
            .innerJoin("entities as admins", "admins.id", "memberships.entity_id")
            .select("memberships.role")
            .where("admins.name", "=", SITE_ADMINS_TEAM)
            .whereRef("memberships.user_id", "=", "entities.id"),
        )
        .as("isSiteAdmin"),
    ])
    .where("api_keys.prefix", "=", prefix)
    .executeTakeFirst();
  if (!row || !apiKeyMatches(key, row.hash)) {
    throw new CairnError(
      "UNAUTHORIZED",
      "Unknown API key: check CAIRN_API_KEY or run `cairn login`.",
    );
  }
  if (row.revoked_at) {
    throw new CairnError(
      "UNAUTHORIZED",
      "This API key was revoked: create a new one with `cairn keys create`.",
    );
  }
  if (row.disabled_at) {
    throw new CairnError(
      "UNAUTHORIZED",
      `User "${row.userName}" was disabled by a site admin: ask one to re-enable the account (its keys work again then).`,
    );
  }
  // Touch last_used_at at most once a minute: a write per request would serialise hot reads.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db
      .updateTable("api_keys")
      .set({ last_used_at: new Date() })
      .where("id", "=", row.keyId)
      .execute();
  }
  const actor: Actor = {
    userId: row.userId,
    userName: row.userName,
    isSiteAdmin: Boolean(row.isSiteAdmin),
  };
  cache?.set(keyHash, row.keyId, actor);
  return actor;
}

/** Throws UNAUTHORIZED for anonymous callers of an operation that needs an identity. */
export function requireActor(actor: Actor | null, what: string): Actor {
  if (!actor) {
    throw new CairnError(
      "UNAUTHORIZED",
      `Sign in to ${what}: pass an API key (CAIRN_API_KEY or \`cairn login\`).`,
    );
  }
  return actor;
}
