import type { Database } from "@cairn/db";
import type { Kysely, Transaction } from "kysely";
/** A database handle or an open transaction: the helpers below run inside either. */
export type Db = Kysely<Database> | Transaction<Database>;
/** Longest accepted API key label (labels are for humans: "laptop", "ci-runner"). */
export declare const MAX_API_KEY_LABEL_LENGTH = 200;
/** A key as issued: the full `key` is returned to the caller once and never stored. */
export interface IssuedApiKey {
    id: string;
    key: string;
    label: string | null;
}
/**
 * Creates an API key for `entityId` and stores only its key id (`prefix`) and hash. A random
 * 12-character key id collides with probability ~2^-60, but the unique `prefix` column would
 * turn that into an opaque error, so we retry on conflict instead.
 */
export declare function issueApiKey(db: Db, entityId: string, label: string | null | undefined): Promise<IssuedApiKey>;
/**
 * Validates a new entity (user or team) name: the entity-name rules of core, and never the
 * reserved site-admins team, whose members are site admins (creating it would grant that).
 */
export declare function validateNewEntityName(name: string): string;
/**
 * Inserts an entity; throws CONFLICT when the name is taken by any user or team (they share one
 * namespace because both own projects addressed as `<entity>/<project>`).
 */
export declare function insertEntity(db: Db, kind: "user" | "team", name: string): Promise<{
    id: string;
    name: string;
    createdAt: Date;
}>;
//# sourceMappingURL=accounts-keys.d.ts.map