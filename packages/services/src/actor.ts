import { CairnError } from "@cairn/core";
import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";
import { apiKeyMatches, apiKeyPrefix } from "./api-keys.js";

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
 * Resolves an `Authorization` header (`Bearer <key>`) to an actor. No header → anonymous (null).
 * A header with an unknown, malformed or revoked key is refused with UNAUTHORIZED rather than
 * silently treated as anonymous, so a typo in a key never looks like "project not found".
 */
export async function authenticate(
  db: Kysely<Database>,
  authorization: string | undefined | null,
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
  const row = await db
    .selectFrom("api_keys")
    .innerJoin("entities", "entities.id", "api_keys.entity_id")
    .select([
      "api_keys.id as keyId",
      "api_keys.hash",
      "api_keys.revoked_at",
      "api_keys.last_used_at",
      "entities.id as userId",
      "entities.name as userName",
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
  // Touch last_used_at at most once a minute: a write per request would serialise hot reads.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db
      .updateTable("api_keys")
      .set({ last_used_at: new Date() })
      .where("id", "=", row.keyId)
      .execute();
  }
  const admin = await db
    .selectFrom("memberships")
    .innerJoin("entities", "entities.id", "memberships.entity_id")
    .select("memberships.role")
    .where("entities.name", "=", SITE_ADMINS_TEAM)
    .where("memberships.user_id", "=", row.userId)
    .executeTakeFirst();
  return { userId: row.userId, userName: row.userName, isSiteAdmin: admin !== undefined };
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
