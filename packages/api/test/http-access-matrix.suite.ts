import {
  type AccessAction,
  type AccessRole,
  decideAccess,
  type ProjectVisibility,
} from "@cairn/core";
import { expect, it } from "vitest";
import {
  type Client,
  clientFor,
  expectRefused,
  type Harness,
  newUser,
  uniqueName,
} from "./http.test-helpers.js";

const VISIBILITIES = ["private", "public", "open"] as const;
/** Callers; `siteAdmin` must behave exactly like a project admin. */
const CALLERS = ["anonymous", "user", "member", "admin", "siteAdmin"] as const;
type Caller = (typeof CALLERS)[number];

const STATUS_OF = { NOT_FOUND: 404, UNAUTHORIZED: 401, FORBIDDEN: 403 } as const;

interface Operation {
  name: string;
  action: AccessAction;
  /** Procedures behind `authedProcedure` refuse anonymous callers before any project lookup. */
  authed: boolean;
  /**
   * Team-level operations (members) do not depend on a project's visibility: team names are
   * public, so outsiders get FORBIDDEN, not NOT_FOUND. The oracle is asked as for a public project.
   */
  teamLevel?: boolean;
  call(ctx: {
    c: Client;
    P: { entity: string; project: string };
    team: string;
    i: number;
    v: ProjectVisibility;
    spare: string;
  }): Promise<unknown>;
}

const OPERATIONS: Operation[] = [
  {
    name: "artifacts.get",
    action: "read",
    authed: false,
    call: ({ c, P }) => c.api.artifacts.get.query({ ...P, ref: "seed:v0" }),
  },
  {
    name: "runs.list",
    action: "read",
    authed: false,
    call: ({ c, P }) => c.api.runs.list.query(P),
  },
  {
    name: "artifacts.log",
    action: "write",
    authed: true,
    call: ({ c, P, i }) =>
      c.api.artifacts.log.mutate({
        ...P,
        name: "written",
        type: "t",
        entries: [{ path: "f", digest: `w${i}`, size: 1, ref: `s3://b/w${i}` }],
      }),
  },
  {
    name: "artifacts.delete",
    action: "delete",
    authed: true,
    call: ({ c, P, i }) => c.api.artifacts.delete.mutate({ ...P, ref: `del:v${i}` }),
  },
  {
    name: "artifacts.setAlias",
    action: "manage_aliases",
    authed: true,
    call: ({ c, P, i }) =>
      c.api.artifacts.setAlias.mutate({ ...P, ref: "seed:v0", alias: `a${i}` }),
  },
  {
    name: "projects.setProtectedAliases",
    action: "manage_protected_aliases",
    authed: true,
    call: ({ c, P }) => c.api.projects.setProtectedAliases.mutate({ ...P, aliases: ["prod"] }),
  },
  {
    name: "projects.setVisibility",
    action: "manage_project",
    authed: true,
    call: ({ c, P, v }) => c.api.projects.setVisibility.mutate({ ...P, visibility: v }),
  },
  {
    name: "accounts.setMember",
    action: "manage_members",
    authed: true,
    teamLevel: true,
    call: ({ c, team, spare }) =>
      c.api.accounts.setMember.mutate({ team, user: spare, role: "member" }),
  },
];

/** What the policy says the HTTP status of `op` must be: 200, or the denial's status. */
export function expectedStatus(
  op: Operation,
  visibility: ProjectVisibility,
  caller: Caller,
): number {
  const role: AccessRole = caller === "siteAdmin" ? "admin" : caller;
  if (op.authed && role === "anonymous") return 401;
  const decision = decideAccess({
    visibility: op.teamLevel ? "public" : visibility,
    role,
    action: op.action,
  });
  return decision.allowed ? 200 : STATUS_OF[decision.code];
}

/**
 * The access matrix through HTTP: every caller kind × visibility × action, with statuses
 * predicted by core's `decideAccess` (the single policy) and checked on the wire.
 */
export function registerAccessMatrixTests(current: () => Harness): void {
  it("the expectation table is not trivially all-allowed", () => {
    const statuses = new Set<number>();
    for (const v of VISIBILITIES)
      for (const caller of CALLERS)
        for (const op of OPERATIONS) statuses.add(expectedStatus(op, v, caller));
    expect([...statuses].sort()).toEqual([200, 401, 403, 404]);
    // Spot checks written by hand, so a broken oracle cannot pass unnoticed.
    const byName = (n: string) => OPERATIONS.find((o) => o.name === n)!;
    expect(expectedStatus(byName("artifacts.get"), "private", "user")).toBe(404);
    expect(expectedStatus(byName("artifacts.get"), "public", "anonymous")).toBe(200);
    expect(expectedStatus(byName("artifacts.log"), "public", "user")).toBe(403);
    expect(expectedStatus(byName("artifacts.log"), "open", "user")).toBe(200);
    expect(expectedStatus(byName("artifacts.delete"), "open", "user")).toBe(403);
    expect(expectedStatus(byName("projects.setVisibility"), "public", "member")).toBe(403);
  });

  it("anonymous / non-member / member / admin × private / public / open × every action", async () => {
    const harness = current();
    const root = clientFor(harness, harness.server.adminKey);
    const teamAdmin = await newUser(harness, root, "m-admin");
    const member = await newUser(harness, root, "m-member");
    const outsider = await newUser(harness, root, "m-user");
    const team = uniqueName("mteam");
    await teamAdmin.client.api.accounts.createTeam.mutate({ name: team });
    await teamAdmin.client.api.accounts.setMember.mutate({
      team,
      user: member.name,
      role: "member",
    });
    const callers: Record<Caller, Client> = {
      anonymous: clientFor(harness, null),
      user: outsider.client,
      member: member.client,
      admin: teamAdmin.client,
      siteAdmin: root,
    };

    const a = teamAdmin.client.api;
    for (const v of VISIBILITIES) {
      const P = { entity: team, project: v };
      await a.projects.create.mutate({ entity: team, name: v, visibility: v });
      await a.artifacts.log.mutate({
        ...P,
        name: "seed",
        type: "t",
        entries: [{ path: "f", digest: "seed", size: 1, ref: "s3://b/seed" }],
      });
      // One deletable version per caller, so each caller's delete has its own target; one more
      // on top carries the automatic `latest` alias, which would otherwise block the last delete.
      for (let i = 0; i <= CALLERS.length; i += 1) {
        await a.artifacts.log.mutate({
          ...P,
          name: "del",
          type: "t",
          entries: [{ path: "f", digest: `del${i}`, size: 1, ref: `s3://b/del${i}` }],
        });
      }
    }

    // The 15 cells run at once (each with its own clients, so every recorded status is that
    // cell's own); within a cell the operations run in order.
    const failures: string[] = [];
    let checked = 0;
    const cells = VISIBILITIES.flatMap((v) => CALLERS.map((caller, i) => ({ v, caller, i })));
    // A user per cell to add to the team, so concurrent allowed setMember calls never collide.
    const spares = await Promise.all(cells.map(() => newUser(harness, root, "m-spare")));
    await Promise.all(
      cells.map(async ({ v, caller, i }, cell) => {
        const c = clientFor(harness, callers[caller].key);
        const spare = spares[cell]!;
        for (const op of OPERATIONS) {
          const want = expectedStatus(op, v, caller);
          const P = { entity: team, project: v };
          const call = op.call({ c, P, team, i, v, spare: spare.name });
          try {
            if (want === 200) await call;
            else await expectRefused(call, want);
            expect(c.lastStatus()).toBe(want);
          } catch (error) {
            const got = c.lastStatus();
            failures.push(
              `${v} × ${caller} × ${op.name}: want ${want}, got ${got} (${String(error).slice(0, 200)})`,
            );
          }
          checked += 1;
        }
        // Listings agree with reads: a project is listed exactly when the caller may read it.
        const listed = (await c.api.projects.list.query({ entity: team })).map((p) => p.name);
        const role = caller === "siteAdmin" ? "admin" : caller;
        const readable = decideAccess({ visibility: v, role, action: "read" }).allowed;
        if (listed.includes(v) !== readable) {
          failures.push(`${v} × ${caller}: projects.list disagrees with read access`);
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(checked).toBe(VISIBILITIES.length * CALLERS.length * OPERATIONS.length);
  });
}
