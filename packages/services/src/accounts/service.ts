import { CairnError } from "@cairn/core";
import { type Actor, requireActor } from "../actor.js";
import { nowOf, type ServiceDeps } from "../deps.js";
import { type IssuedApiKey, insertEntity, issueApiKey, validateNewEntityName } from "./keys.js";
import { listMembers, type MemberRole, removeMember, setMember, type TeamMember } from "./teams.js";
import { listTeams, listUsers, setUserDisabled } from "./users.js";

/** A user as the API describes it. */
export interface UserInfo {
  id: string;
  name: string;
}

/** An entity the caller belongs to, with their role there (their own user entity: `admin`). */
export interface EntityMembership {
  name: string;
  kind: "user" | "team";
  role: MemberRole;
}

/** `accounts.whoami`. */
export interface WhoAmI {
  user: UserInfo;
  isSiteAdmin: boolean;
  entities: EntityMembership[];
}

/** A team as returned by `accounts.createTeam`. */
export interface TeamInfo {
  id: string;
  name: string;
  kind: "team";
  role: "admin";
  createdAt: string;
}

/** An API key as listed (never the key itself: only its public key id). */
export interface ApiKeyInfo {
  id: string;
  /** The public `<keyId>` part of `cairn_<keyId>_<secret>`, to recognise a key. */
  keyId: string;
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/**
 * Accounts: users, teams and their members, and the caller's API keys. Keys are stored as
 * SHA-256 hashes (see `api-keys.ts`) and shown once, at creation.
 */
export function createAccountsService(deps: ServiceDeps) {
  const { db } = deps;
  return {
    /** Who the caller is, and every entity (own user, teams) they can act in. */
    async whoami(actor: Actor | null): Promise<WhoAmI> {
      const me = requireActor(actor, "see who you are");
      const teams = await db
        .selectFrom("memberships")
        .innerJoin("entities", "entities.id", "memberships.entity_id")
        .select(["entities.name", "entities.kind", "memberships.role"])
        .where("memberships.user_id", "=", me.userId)
        .orderBy("entities.name")
        .execute();
      return {
        user: { id: me.userId, name: me.userName },
        isSiteAdmin: me.isSiteAdmin,
        entities: [
          { name: me.userName, kind: "user", role: "admin" },
          ...teams.map((t) => ({ name: t.name, kind: t.kind, role: t.role })),
        ],
      };
    },

    /** Creates a user and its first API key (site admins only). The key is returned once. */
    async createUser(
      actor: Actor | null,
      input: { name: string },
    ): Promise<{ user: UserInfo; apiKey: string }> {
      const me = requireActor(actor, "create users");
      if (!me.isSiteAdmin) {
        throw new CairnError(
          "FORBIDDEN",
          "Only site admins (members of the cairn-admins team) can create users: ask one to run `cairn users create`.",
        );
      }
      const name = validateNewEntityName(input.name);
      return db.transaction().execute(async (trx) => {
        const user = await insertEntity(trx, "user", name);
        const key = await issueApiKey(trx, user.id, "initial");
        return { user: { id: user.id, name: user.name }, apiKey: key.key };
      });
    },

    /** Every user with whether it is disabled (site admins only). */
    listUsers(actor: Actor | null) {
      return listUsers(db, requireActor(actor, "list users"));
    },

    /** Disables or re-enables a user (site admins only): a disabled user's keys are refused. */
    setUserDisabled(actor: Actor | null, input: { user: string; disabled: boolean }) {
      const me = requireActor(actor, "disable users");
      return setUserDisabled(db, me, input, deps.actorCache, nowOf(deps));
    },

    /** Teams the caller belongs to (site admins: every team), with role and member count. */
    listTeams(actor: Actor | null) {
      return listTeams(db, requireActor(actor, "list teams"));
    },

    /** Creates a team; the creator becomes its first admin. */
    async createTeam(actor: Actor | null, input: { name: string }): Promise<TeamInfo> {
      const me = requireActor(actor, "create teams");
      const name = validateNewEntityName(input.name);
      return db.transaction().execute(async (trx) => {
        const team = await insertEntity(trx, "team", name);
        await trx
          .insertInto("memberships")
          .values({ entity_id: team.id, user_id: me.userId, role: "admin" })
          .execute();
        return {
          id: team.id,
          name: team.name,
          kind: "team" as const,
          role: "admin" as const,
          createdAt: team.createdAt.toISOString(),
        };
      });
    },

    /** Adds a user to a team or changes their role (team admins only). */
    setMember(actor: Actor | null, input: { team: string; user: string; role: MemberRole }) {
      return setMember(db, requireActor(actor, "manage team members"), input);
    },

    /** Removes a user from a team (team admins only); a team always keeps one admin. */
    removeMember(actor: Actor | null, input: { team: string; user: string }) {
      return removeMember(db, requireActor(actor, "manage team members"), input);
    },

    /** Lists a team's members (team admins only). */
    listMembers(actor: Actor | null, input: { team: string }): Promise<TeamMember[]> {
      return listMembers(db, requireActor(actor, "list team members"), input);
    },

    /** Creates an API key for the caller; the returned `key` is shown this once only. */
    createApiKey(
      actor: Actor | null,
      input: { label?: string | undefined } = {},
    ): Promise<IssuedApiKey> {
      const me = requireActor(actor, "create API keys");
      return issueApiKey(db, me.userId, input.label);
    },

    /** The caller's own API keys, newest first, without secrets. */
    async listApiKeys(actor: Actor | null): Promise<ApiKeyInfo[]> {
      const me = requireActor(actor, "list your API keys");
      const rows = await db
        .selectFrom("api_keys")
        .select(["id", "prefix", "label", "created_at", "last_used_at", "revoked_at"])
        .where("entity_id", "=", me.userId)
        .orderBy("created_at", "desc")
        .orderBy("id")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        keyId: r.prefix,
        label: r.label,
        createdAt: r.created_at.toISOString(),
        lastUsedAt: r.last_used_at?.toISOString() ?? null,
        revokedAt: r.revoked_at?.toISOString() ?? null,
      }));
    },

    /**
     * Revokes one of the caller's keys (idempotent: revoking again keeps the first time). Another
     * user's key id is NOT_FOUND, exactly like an unknown id, so key ids cannot be probed.
     */
    async revokeApiKey(
      actor: Actor | null,
      input: { id: string },
    ): Promise<{ id: string; revokedAt: string }> {
      const me = requireActor(actor, "revoke API keys");
      const now = nowOf(deps);
      await db
        .updateTable("api_keys")
        .set({ revoked_at: now })
        .where("id", "=", input.id)
        .where("entity_id", "=", me.userId)
        .where("revoked_at", "is", null)
        .execute();
      deps.actorCache?.forgetKey(input.id);
      const row = await db
        .selectFrom("api_keys")
        .select(["id", "revoked_at"])
        .where("id", "=", input.id)
        .where("entity_id", "=", me.userId)
        .executeTakeFirst();
      if (!row?.revoked_at) {
        throw new CairnError(
          "NOT_FOUND",
          `API key ${input.id} was not found among your keys: list them with \`cairn keys ls\`.`,
          {
            details: { id: input.id },
          },
        );
      }
      return { id: row.id, revokedAt: row.revoked_at.toISOString() };
    },
  };
}

/** The accounts service. */
export type AccountsService = ReturnType<typeof createAccountsService>;
