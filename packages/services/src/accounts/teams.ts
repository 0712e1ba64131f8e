import { CairnError, validateEntityName } from "@cairn/core";
import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";
import type { Actor } from "../actor.js";
import type { Db } from "./keys.js";

/** A team member as listed by `accounts.listMembers`. */
export interface TeamMember {
  id: string;
  name: string;
  role: "member" | "admin";
  since: string;
}

/** Membership roles in a team. */
export type MemberRole = TeamMember["role"];

/** Finds a team by name: NOT_FOUND when absent, INVALID_ENTITY when the name is a user. */
export async function findTeam(db: Db, team: string): Promise<{ id: string; name: string }> {
  validateEntityName(team);
  const row = await db
    .selectFrom("entities")
    .select(["id", "name", "kind"])
    .where("name", "=", team)
    .executeTakeFirst();
  if (!row) {
    throw new CairnError(
      "NOT_FOUND",
      `Team "${team}" was not found: check the name, or create it with \`cairn teams create ${team}\`.`,
      {
        details: { team },
      },
    );
  }
  if (row.kind !== "team") {
    throw new CairnError(
      "INVALID_ENTITY",
      `"${team}" is a user, not a team: members can only be managed on teams (create one with \`cairn teams create <name>\`).`,
      { details: { team } },
    );
  }
  return { id: row.id, name: row.name };
}

/** Finds a user by name: NOT_FOUND when absent or when the name is a team. */
export async function findUser(db: Db, user: string): Promise<{ id: string; name: string }> {
  validateEntityName(user);
  const row = await db
    .selectFrom("entities")
    .select(["id", "name"])
    .where("name", "=", user)
    .where("kind", "=", "user")
    .executeTakeFirst();
  if (!row) {
    throw new CairnError(
      "NOT_FOUND",
      `User "${user}" was not found: a site admin creates users with \`cairn users create ${user}\`.`,
      {
        details: { user },
      },
    );
  }
  return row;
}

/**
 * Checks that the actor administers the team (team admin or site admin). Members and outsiders
 * get FORBIDDEN: team names are not secret (they appear in every project reference).
 */
export async function requireTeamAdmin(
  db: Db,
  actor: Actor,
  teamId: string,
  team: string,
): Promise<void> {
  if (actor.isSiteAdmin) return;
  const membership = await db
    .selectFrom("memberships")
    .select("role")
    .where("entity_id", "=", teamId)
    .where("user_id", "=", actor.userId)
    .executeTakeFirst();
  if (membership?.role === "admin") return;
  throw new CairnError(
    "FORBIDDEN",
    `Managing the members of team "${team}" is reserved to its admins: ask an admin of the team for the admin role.`,
    { details: { team } },
  );
}

/**
 * Refuses a change that would leave the team without an admin: nobody could then manage it
 * except a site admin. The team's admin rows are locked first (`for update`) so that two admins
 * demoting each other at once cannot both succeed.
 */
async function assertKeepsAnAdmin(
  db: Db,
  teamId: string,
  team: string,
  leavingUserId: string,
): Promise<void> {
  const admins = await db
    .selectFrom("memberships")
    .select("user_id")
    .where("entity_id", "=", teamId)
    .where("role", "=", "admin")
    .forUpdate()
    .execute();
  const isAdmin = admins.some((a) => a.user_id === leavingUserId);
  if (isAdmin && admins.length === 1) {
    throw new CairnError(
      "CONFLICT",
      `This would leave team "${team}" without an admin: make another member admin first (\`cairn teams add ${team} <user> --admin\`).`,
      { details: { team } },
    );
  }
}

/** Adds a user to a team or changes their role (team admins only). */
export async function setMember(
  db: Kysely<Database>,
  actor: Actor,
  input: { team: string; user: string; role: MemberRole },
): Promise<{ team: string; user: string; role: MemberRole }> {
  if (input.role !== "member" && input.role !== "admin") {
    throw new CairnError(
      "INVALID_INPUT",
      `Unknown role "${String(input.role)}": use "member" or "admin".`,
    );
  }
  return db.transaction().execute(async (trx) => {
    const team = await findTeam(trx, input.team);
    await requireTeamAdmin(trx, actor, team.id, team.name);
    const user = await findUser(trx, input.user);
    if (input.role === "member") await assertKeepsAnAdmin(trx, team.id, team.name, user.id);
    await trx
      .insertInto("memberships")
      .values({ entity_id: team.id, user_id: user.id, role: input.role })
      .onConflict((oc) => oc.columns(["entity_id", "user_id"]).doUpdateSet({ role: input.role }))
      .execute();
    return { team: team.name, user: user.name, role: input.role };
  });
}

/** Removes a user from a team (team admins only); NOT_FOUND when they are not a member. */
export async function removeMember(
  db: Kysely<Database>,
  actor: Actor,
  input: { team: string; user: string },
): Promise<{ team: string; user: string; removed: true }> {
  return db.transaction().execute(async (trx) => {
    const team = await findTeam(trx, input.team);
    await requireTeamAdmin(trx, actor, team.id, team.name);
    const user = await findUser(trx, input.user);
    await assertKeepsAnAdmin(trx, team.id, team.name, user.id);
    const deleted = await trx
      .deleteFrom("memberships")
      .where("entity_id", "=", team.id)
      .where("user_id", "=", user.id)
      .returning("user_id")
      .executeTakeFirst();
    if (!deleted) {
      throw new CairnError(
        "NOT_FOUND",
        `User "${user.name}" is not a member of team "${team.name}": nothing to remove.`,
        {
          details: { team: team.name, user: user.name },
        },
      );
    }
    return { team: team.name, user: user.name, removed: true as const };
  });
}

/** Lists a team's members, admins first then by name (team admins only). */
export async function listMembers(
  db: Kysely<Database>,
  actor: Actor,
  input: { team: string },
): Promise<TeamMember[]> {
  const team = await findTeam(db, input.team);
  await requireTeamAdmin(db, actor, team.id, team.name);
  const rows = await db
    .selectFrom("memberships")
    .innerJoin("entities", "entities.id", "memberships.user_id")
    .select(["entities.id", "entities.name", "memberships.role", "memberships.created_at"])
    .where("memberships.entity_id", "=", team.id)
    .orderBy("memberships.role") // "admin" < "member"
    .orderBy("entities.name")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    since: r.created_at.toISOString(),
  }));
}
