import { expectTrpcCode } from "@cairn/vitest-config/expect-code";
import { expect, it } from "vitest";
import {
  type Caller,
  describeOnEngines,
  uniqueName,
  type World,
} from "../accounts/accounts.test-helpers.js";

type Visibility = "private" | "public" | "open";
type Role = "anonymous" | "user" | "member" | "admin" | "siteAdmin";
type Outcome = "ok" | "NOT_FOUND" | "UNAUTHORIZED" | "FORBIDDEN";
type Kind = "read" | "write" | "manage";

// The product rules, written out by hand (not computed from core's policy): private projects are
// invisible to non-members, public ones readable by anyone and writable by members, open ones
// writable by any signed-in user; settings are for admins; writes need an API key.
const EXPECTED: Record<Kind, Record<Visibility, Record<Exclude<Role, "siteAdmin">, Outcome>>> = {
  read: {
    private: { anonymous: "NOT_FOUND", user: "NOT_FOUND", member: "ok", admin: "ok" },
    public: { anonymous: "ok", user: "ok", member: "ok", admin: "ok" },
    open: { anonymous: "ok", user: "ok", member: "ok", admin: "ok" },
  },
  write: {
    private: { anonymous: "UNAUTHORIZED", user: "NOT_FOUND", member: "ok", admin: "ok" },
    public: { anonymous: "UNAUTHORIZED", user: "FORBIDDEN", member: "ok", admin: "ok" },
    open: { anonymous: "UNAUTHORIZED", user: "ok", member: "ok", admin: "ok" },
  },
  manage: {
    private: { anonymous: "UNAUTHORIZED", user: "NOT_FOUND", member: "FORBIDDEN", admin: "ok" },
    public: { anonymous: "UNAUTHORIZED", user: "FORBIDDEN", member: "FORBIDDEN", admin: "ok" },
    open: { anonymous: "UNAUTHORIZED", user: "FORBIDDEN", member: "FORBIDDEN", admin: "ok" },
  },
};

interface Fixture {
  team: string;
  callers: Record<Role, Caller>;
}

async function buildFixture(world: World): Promise<Fixture> {
  const teamAdmin = await world.newUser("matrix-admin");
  const member = await world.newUser("matrix-member");
  const outsider = await world.newUser("matrix-user");
  const team = uniqueName("matrix");
  await teamAdmin.caller.accounts.createTeam({ name: team });
  await teamAdmin.caller.accounts.setMember({ team, user: member.name, role: "member" });
  for (const visibility of ["private", "public", "open"] as const) {
    await teamAdmin.caller.projects.create({ entity: team, name: visibility, visibility });
    await teamAdmin.caller.runs.init({
      entity: team,
      project: visibility,
      id: "seed",
      jobType: "train",
    });
  }
  return {
    team,
    callers: {
      anonymous: await world.callerFor(null),
      user: outsider.caller,
      member: member.caller,
      admin: teamAdmin.caller,
      siteAdmin: world.admin.caller,
    },
  };
}

let runCounter = 0;
const nextRunId = (): string => {
  runCounter += 1;
  return `m${runCounter}`;
};

/** Every procedure of this suite, grouped by the access it needs. */
const OPERATIONS: Array<{
  name: string;
  kind: Kind;
  call: (c: Caller, ref: { entity: string; project: string }, v: Visibility) => Promise<unknown>;
}> = [
  { name: "projects.get", kind: "read", call: (c, ref) => c.projects.get(ref) },
  { name: "runs.get", kind: "read", call: (c, ref) => c.runs.get({ ...ref, id: "seed" }) },
  { name: "runs.list", kind: "read", call: (c, ref) => c.runs.list(ref) },
  {
    name: "runs.init",
    kind: "write",
    call: (c, ref) => c.runs.init({ ...ref, id: nextRunId(), jobType: "train" }),
  },
  {
    name: "runs.update",
    kind: "write",
    call: (c, ref) => c.runs.update({ ...ref, id: "seed", summary: { x: 1 } }),
  },
  {
    name: "runs.finish",
    kind: "write",
    call: (c, ref) => c.runs.finish({ ...ref, id: "seed", state: "finished" }),
  },
  {
    name: "projects.setVisibility",
    kind: "manage",
    call: (c, ref, v) => c.projects.setVisibility({ ...ref, visibility: v }),
  },
  {
    name: "projects.setProtectedAliases",
    kind: "manage",
    call: (c, ref) => c.projects.setProtectedAliases({ ...ref, aliases: ["prod"] }),
  },
];

await describeOnEngines("access matrix of projects and runs", (world) => {
  let fixture: Promise<Fixture> | undefined;
  const cases: Array<[Visibility, Role]> = [];
  for (const v of ["private", "public", "open"] as const) {
    for (const r of ["anonymous", "user", "member", "admin", "siteAdmin"] as const)
      cases.push([v, r]);
  }

  it.each(cases)("%s project, %s caller", async (visibility, role) => {
    fixture ??= buildFixture(world());
    const { team, callers } = await fixture;
    const caller = callers[role];
    const ref = { entity: team, project: visibility };
    const as = role === "siteAdmin" ? "admin" : role;
    for (const op of OPERATIONS) {
      const expected = EXPECTED[op.kind][visibility][as];
      if (expected === "ok") {
        await expect(op.call(caller, ref, visibility), `${op.name}`).resolves.toBeDefined();
      } else {
        await expectTrpcCode(op.call(caller, ref, visibility), expected).catch((error: unknown) => {
          throw new Error(`${op.name}: ${String(error)}`);
        });
      }
    }
    // Listings agree with `get`: a project is listed exactly when the caller can read it.
    const listed = (await caller.projects.list({ entity: team })).map((p) => p.name);
    expect(listed.includes(visibility)).toBe(EXPECTED.read[visibility][as] === "ok");
  });
});
