import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";
/** Name of the private project created for the first admin, so `cairn` works right away. */
export declare const DEFAULT_PROJECT_NAME = "default";
/** What {@link bootstrapAdmin} created: the admin user and its first API key (shown once). */
export interface BootstrapResult {
    user: {
        id: string;
        name: string;
    };
    apiKey: string;
}
/**
 * First start of a deployment: on a database without users, creates the site admins' team
 * (`cairn-admins`), the admin user as its admin, a first API key and a private project
 * `<admin>/default`. Returns null when users already exist, so every server may call it on every
 * start.
 *
 * Safe when several servers start at once: everything happens in one transaction whose first
 * write inserts the `cairn-admins` team with `on conflict do nothing`. The unique name makes a
 * concurrent bootstrap wait for the first one and then insert nothing, so exactly one wins and
 * the others return null (and if the winner rolls back, a waiter takes over).
 */
export declare function bootstrapAdmin(db: Kysely<Database>, options?: {
    name?: string;
}): Promise<BootstrapResult | null>;
//# sourceMappingURL=bootstrap-admin.d.ts.map