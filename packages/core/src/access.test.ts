import { describe, expect, it } from "vitest";
import {
  ACCESS_ACTIONS,
  ACCESS_ROLES,
  type AccessAction,
  type AccessRole,
  assertAccess,
  type CairnError,
  decideAccess,
  isCairnError,
  PROJECT_VISIBILITIES,
  type ProjectVisibility,
} from "./index.js";

type Expected = "allow" | "NOT_FOUND" | "UNAUTHORIZED" | "FORBIDDEN";

/** The whole policy, every visibility × role × action written out (3 × 4 × 7 = 84 rows). */
const TABLE: ReadonlyArray<readonly [ProjectVisibility, AccessRole, AccessAction, Expected]> = [
  // private
  ["private", "anonymous", "read", "NOT_FOUND"],
  ["private", "anonymous", "write", "NOT_FOUND"],
  ["private", "anonymous", "delete", "NOT_FOUND"],
  ["private", "anonymous", "manage_aliases", "NOT_FOUND"],
  ["private", "anonymous", "manage_protected_aliases", "NOT_FOUND"],
  ["private", "anonymous", "manage_members", "NOT_FOUND"],
  ["private", "anonymous", "manage_project", "NOT_FOUND"],
  ["private", "user", "read", "NOT_FOUND"],
  ["private", "user", "write", "NOT_FOUND"],
  ["private", "user", "delete", "NOT_FOUND"],
  ["private", "user", "manage_aliases", "NOT_FOUND"],
  ["private", "user", "manage_protected_aliases", "NOT_FOUND"],
  ["private", "user", "manage_members", "NOT_FOUND"],
  ["private", "user", "manage_project", "NOT_FOUND"],
  ["private", "member", "read", "allow"],
  ["private", "member", "write", "allow"],
  ["private", "member", "delete", "allow"],
  ["private", "member", "manage_aliases", "allow"],
  ["private", "member", "manage_protected_aliases", "FORBIDDEN"],
  ["private", "member", "manage_members", "FORBIDDEN"],
  ["private", "member", "manage_project", "FORBIDDEN"],
  ["private", "admin", "read", "allow"],
  ["private", "admin", "write", "allow"],
  ["private", "admin", "delete", "allow"],
  ["private", "admin", "manage_aliases", "allow"],
  ["private", "admin", "manage_protected_aliases", "allow"],
  ["private", "admin", "manage_members", "allow"],
  ["private", "admin", "manage_project", "allow"],
  // public
  ["public", "anonymous", "read", "allow"],
  ["public", "anonymous", "write", "UNAUTHORIZED"],
  ["public", "anonymous", "delete", "UNAUTHORIZED"],
  ["public", "anonymous", "manage_aliases", "UNAUTHORIZED"],
  ["public", "anonymous", "manage_protected_aliases", "UNAUTHORIZED"],
  ["public", "anonymous", "manage_members", "UNAUTHORIZED"],
  ["public", "anonymous", "manage_project", "UNAUTHORIZED"],
  ["public", "user", "read", "allow"],
  ["public", "user", "write", "FORBIDDEN"],
  ["public", "user", "delete", "FORBIDDEN"],
  ["public", "user", "manage_aliases", "FORBIDDEN"],
  ["public", "user", "manage_protected_aliases", "FORBIDDEN"],
  ["public", "user", "manage_members", "FORBIDDEN"],
  ["public", "user", "manage_project", "FORBIDDEN"],
  ["public", "member", "read", "allow"],
  ["public", "member", "write", "allow"],
  ["public", "member", "delete", "allow"],
  ["public", "member", "manage_aliases", "allow"],
  ["public", "member", "manage_protected_aliases", "FORBIDDEN"],
  ["public", "member", "manage_members", "FORBIDDEN"],
  ["public", "member", "manage_project", "FORBIDDEN"],
  ["public", "admin", "read", "allow"],
  ["public", "admin", "write", "allow"],
  ["public", "admin", "delete", "allow"],
  ["public", "admin", "manage_aliases", "allow"],
  ["public", "admin", "manage_protected_aliases", "allow"],
  ["public", "admin", "manage_members", "allow"],
  ["public", "admin", "manage_project", "allow"],
  // open
  ["open", "anonymous", "read", "allow"],
  ["open", "anonymous", "write", "UNAUTHORIZED"],
  ["open", "anonymous", "delete", "UNAUTHORIZED"],
  ["open", "anonymous", "manage_aliases", "UNAUTHORIZED"],
  ["open", "anonymous", "manage_protected_aliases", "UNAUTHORIZED"],
  ["open", "anonymous", "manage_members", "UNAUTHORIZED"],
  ["open", "anonymous", "manage_project", "UNAUTHORIZED"],
  ["open", "user", "read", "allow"],
  ["open", "user", "write", "allow"],
  ["open", "user", "delete", "FORBIDDEN"],
  ["open", "user", "manage_aliases", "allow"],
  ["open", "user", "manage_protected_aliases", "FORBIDDEN"],
  ["open", "user", "manage_members", "FORBIDDEN"],
  ["open", "user", "manage_project", "FORBIDDEN"],
  ["open", "member", "read", "allow"],
  ["open", "member", "write", "allow"],
  ["open", "member", "delete", "allow"],
  ["open", "member", "manage_aliases", "allow"],
  ["open", "member", "manage_protected_aliases", "FORBIDDEN"],
  ["open", "member", "manage_members", "FORBIDDEN"],
  ["open", "member", "manage_project", "FORBIDDEN"],
  ["open", "admin", "read", "allow"],
  ["open", "admin", "write", "allow"],
  ["open", "admin", "delete", "allow"],
  ["open", "admin", "manage_aliases", "allow"],
  ["open", "admin", "manage_protected_aliases", "allow"],
  ["open", "admin", "manage_members", "allow"],
  ["open", "admin", "manage_project", "allow"],
];

describe("decideAccess", () => {
  it("has a table covering every combination exactly once", () => {
    expect(TABLE).toHaveLength(
      PROJECT_VISIBILITIES.length * ACCESS_ROLES.length * ACCESS_ACTIONS.length,
    );
    const keys = new Set(TABLE.map(([v, r, a]) => `${v}/${r}/${a}`));
    expect(keys.size).toBe(TABLE.length);
    for (const v of PROJECT_VISIBILITIES) {
      for (const r of ACCESS_ROLES) {
        for (const a of ACCESS_ACTIONS) expect(keys.has(`${v}/${r}/${a}`)).toBe(true);
      }
    }
  });

  it.each(TABLE)("%s project, %s, %s → %s", (visibility, role, action, expected) => {
    const decision = decideAccess({ visibility, role, action });
    if (expected === "allow") {
      expect(decision).toEqual({ allowed: true });
    } else {
      expect(decision.allowed).toBe(false);
      if (decision.allowed) return;
      expect(decision.code).toBe(expected);
      expect(decision.reason.length).toBeGreaterThan(20);
    }
  });

  it("never says FORBIDDEN about a private project to an outsider (it stays invisible)", () => {
    const d = decideAccess({
      visibility: "private",
      role: "user",
      action: "read",
      project: "acme/secret",
    });
    expect(d).toMatchObject({ allowed: false, code: "NOT_FOUND" });
    if (!d.allowed) expect(d.reason).toMatch(/not found/);
  });

  it("tells anonymous callers to sign in and signed-in callers whom to ask", () => {
    const anon = decideAccess({
      visibility: "open",
      role: "anonymous",
      action: "write",
      project: "p",
    });
    const user = decideAccess({
      visibility: "public",
      role: "user",
      action: "write",
      project: "p",
    });
    const member = decideAccess({ visibility: "public", role: "member", action: "manage_members" });
    if (anon.allowed || user.allowed || member.allowed) throw new Error("expected denials");
    expect(anon.reason).toMatch(/sign in with an API key/);
    expect(user.reason).toMatch(/membership/);
    expect(member.reason).toMatch(/admin/);
  });

  it("denies values outside the known sets instead of guessing", () => {
    const d = decideAccess({
      visibility: "secret" as ProjectVisibility,
      role: "member",
      action: "read",
    });
    expect(d).toMatchObject({ allowed: false, code: "FORBIDDEN" });
    const r = decideAccess({ visibility: "public", role: "root" as AccessRole, action: "read" });
    expect(r.allowed).toBe(false);
  });
});

describe("assertAccess", () => {
  it("returns quietly when allowed", () => {
    expect(() =>
      assertAccess({ visibility: "public", role: "anonymous", action: "read" }),
    ).not.toThrow();
  });

  it("throws a CairnError carrying the denial code and reason", () => {
    let thrown: unknown;
    try {
      assertAccess({ visibility: "open", role: "user", action: "delete", project: "p" });
    } catch (err) {
      thrown = err;
    }
    expect(isCairnError(thrown, "FORBIDDEN")).toBe(true);
    const err = thrown as CairnError;
    expect(err.message).toMatch(/deleting versions/);
    expect(err.details).toEqual({ visibility: "open", role: "user", action: "delete" });
  });
});
