import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";
/** Who is calling: a signed-in user, or `null` for anonymous requests. */
export interface Actor {
    userId: string;
    userName: string;
    /** Site administrators (the first user) may do everything, including creating users. */
    isSiteAdmin: boolean;
}
/** Site admins are the members of the reserved `admins` team, or the bootstrap user. */
export declare const SITE_ADMINS_TEAM = "cairn-admins";
/**
 * Resolves an `Authorization` header (`Bearer <key>`) to an actor. No header → anonymous (null).
 * A header with an unknown, malformed or revoked key is refused with UNAUTHORIZED rather than
 * silently treated as anonymous, so a typo in a key never looks like "project not found".
 */
export declare function authenticate(db: Kysely<Database>, authorization: string | undefined | null): Promise<Actor | null>;
/** Throws UNAUTHORIZED for anonymous callers of an operation that needs an identity. */
export declare function requireActor(actor: Actor | null, what: string): Actor;
//# sourceMappingURL=actor.d.ts.map