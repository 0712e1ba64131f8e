import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";
import { SITE_ADMINS_TEAM } from "../actor.js";
import { insertEntity, issueApiKey, validateNewEntityName } from "./keys.js";

/** Name of the private project created for the first admin, so `cairn` works right away. */
export const DEFAULT_PROJECT_NAME = "default";

/** What {@link bootstrapAdmin} created: the admin user and its first API key (shown once). */
export interface BootstrapResult {
  user: { id: string; name: string };
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
export async function bootstrapAdmin(
  db: Kysely<Database>,
  options: { name?: string } = {},
): Promise<BootstrapResult | null> {
  const name = validateNewEntityName(options.name ?? "admin");
  return db.transaction().execute(async (trx) => {
    const anyUser = await trx
      .selectFrom("entities")
      .select("id")
      .where("kind", "=", "user")
      .limit(1)
      .executeTakeFirst();
    if (anyUser) return null;
    const team = await trx
      .insertInto("entities")
      .values({ kind: "team", name: SITE_ADMINS_TEAM })
      .onConflict((oc) => oc.column("name").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!team) return null;
    const user = await insertEntity(trx, "user", name);
    await trx
      .insertInto("memberships")
      .values({ entity_id: team.id, user_id: user.id, role: "admin" })
      .execute();
    const key = await issueApiKey(trx, user.id, "bootstrap");
    await trx
      .insertInto("projects")
      .values({ entity_id: user.id, name: DEFAULT_PROJECT_NAME, visibility: "private" })
      .execute();
    return { user: { id: user.id, name: user.name }, apiKey: key.key };
  });
}
