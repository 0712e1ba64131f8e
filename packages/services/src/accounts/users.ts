import { CairnError } from "@cairn/core";
import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";
import type { Actor, ActorCache } from "../actor.js";
import { findUser } from "./teams.js";

/** A user as listed by `accounts.listUsers` (site admins only). */
export interface UserListing {
  id: string;
  name: string;
  createdAt: string;
  /** When a site admin disabled the user, else null. */
  disabledAt: string | null;
}

/** A team as listed by `accounts.listTeams`, with the caller's role (null: a site admin's view). */
export interface TeamListing {
  id: string;
  name: string;
  role: "member" | "admin" | null;
  members: number;
  createdAt: string;
}

function requireSiteAdmin(actor: Actor, what: string, command: string): void {
  if (!actor.isSiteAdmin) {
    throw new CairnError(
      "FORBIDDEN",
      `Only site admins (members of the cairn-admins team) can ${what}: ask one to run \`${command}\`.`,
    );
  }
}

/** Every user, by name (site admins only). */
export async function listUsers(db: Kysely<Database>, actor: Actor): Promise<UserListing[]> {
  requireSiteAdmin(actor, "list users", "cairn users ls");
  const rows = await db
    .selectFrom("entities")
    .select(["id", "name", "created_at", "disabled_at"])
    .where("kind", "=", "user")
    .orderBy("name")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.created_at.toISOString(),
    disabledAt: r.disabled_at?.toISOString() ?? null,
  }));
}

/**
 * Disables (or, with `disabled: false`, re-enables) a user (site admins only). A disabled user's
 * keys are refused at once on this server and within the key cache's TTL (5 s) on the others; its
 * projects and lineage stay. Site admins cannot disable themselves (someone must stay in charge).
 */
export async function setUserDisabled(
  db: Kysely<Database>,
  actor: Actor,
  input: { user: string; disabled: boolean },
  cache: ActorCache | undefined,
  now: Date,
): Promise<UserListing> {
  requireSiteAdmin(
    actor,
    input.disabled ? "disable users" : "enable users",
    `cairn users ${input.disabled ? "disable" : "enable"} ${input.user}`,
  );
  const user = await findUser(db, input.user);
  if (input.disabled && user.id === actor.userId) {
    throw new CairnError(
      "CONFLICT",
      "You cannot disable yourself: another site admin must do it (so an admin always remains).",
    );
  }
  const row = await db
    .updateTable("entities")
    .set({ disabled_at: input.disabled ? now : null })
    .where("id", "=", user.id)
    .returning(["id", "name", "created_at", "disabled_at"])
    .executeTakeFirstOrThrow();
  // Cached key → actor lookups of this user must not outlive the change here.
  cache?.clear();
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    disabledAt: row.disabled_at?.toISOString() ?? null,
  };
}

/** Teams the caller belongs to, with their role; site admins see every team. */
export async function listTeams(db: Kysely<Database>, actor: Actor): Promise<TeamListing[]> {
  let q = db
    .selectFrom("entities")
    .leftJoin("memberships as mine", (join) =>
      join.onRef("mine.entity_id", "=", "entities.id").on("mine.user_id", "=", actor.userId),
    )
    .select((eb) => [
      "entities.id",
      "entities.name",
      "entities.created_at",
      "mine.role",
      eb
        .selectFrom("memberships")
        .select((m) => m.fn.countAll<number>().as("n"))
        .whereRef("memberships.entity_id", "=", "entities.id")
        .as("members"),
    ])
    .where("entities.kind", "=", "team");
  if (!actor.isSiteAdmin) q = q.where("mine.role", "is not", null);
  const rows = await q.orderBy("entities.name").execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role ?? null,
    members: Number(r.members ?? 0),
    createdAt: r.created_at.toISOString(),
  }));
}
