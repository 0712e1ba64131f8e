import { CairnError } from "./errors.js";

/**
 * The access policy: one total decision for every project visibility × caller role × action.
 * The server asks it before every procedure; nothing else decides access.
 */

/** Project visibilities: `private` (members only), `public` (anyone reads), `open` (anyone writes). */
export const PROJECT_VISIBILITIES = ["private", "public", "open"] as const;
/** A project's visibility. */
export type ProjectVisibility = (typeof PROJECT_VISIBILITIES)[number];

/**
 * Caller roles relative to one project: `anonymous` (no API key), `user` (signed in, not a member),
 * `member`, `admin` (of the project's entity).
 */
export const ACCESS_ROLES = ["anonymous", "user", "member", "admin"] as const;
/** The caller's role in a project. */
export type AccessRole = (typeof ACCESS_ROLES)[number];

/** Everything a caller may try to do in a project. */
export const ACCESS_ACTIONS = [
  "read",
  "write",
  "delete",
  "manage_aliases",
  "manage_protected_aliases",
  "manage_members",
  "manage_project",
] as const;
/** An action on a project. */
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

/** The outcome of {@link decideAccess}. */
export type AccessDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly code: "NOT_FOUND" | "UNAUTHORIZED" | "FORBIDDEN";
      readonly reason: string;
    };

/** The question {@link decideAccess} answers; `project` only names the project in reasons. */
export interface AccessRequest {
  readonly visibility: ProjectVisibility;
  readonly role: AccessRole;
  readonly action: AccessAction;
  readonly project?: string;
}

// Actions no visibility opens up: they change who can do what, or protected release aliases.
const ADMIN_ONLY: ReadonlySet<string> = new Set<AccessAction>([
  "manage_protected_aliases",
  "manage_members",
  "manage_project",
]);
// What members may do in any project; admins may do everything.
const MEMBER_ACTIONS: ReadonlySet<string> = new Set<AccessAction>([
  "read",
  "write",
  "delete",
  "manage_aliases",
]);
// What any signed-in user may do in an `open` project, besides reading. Deletion is not here:
// in a project anyone can write to, destroying others' versions stays with members.
const OPEN_USER_ACTIONS: ReadonlySet<string> = new Set<AccessAction>(["write", "manage_aliases"]);

const VISIBILITY_SET: ReadonlySet<string> = new Set(PROJECT_VISIBILITIES);
const ROLE_SET: ReadonlySet<string> = new Set(ACCESS_ROLES);
const ACTION_SET: ReadonlySet<string> = new Set(ACCESS_ACTIONS);

const ALLOWED: AccessDecision = { allowed: true };

/**
 * Decides whether `role` may perform `action` in a project of `visibility`. Total: every
 * combination has an answer, and values outside the known sets (from untyped callers) are denied.
 * - A private project is invisible to non-members: NOT_FOUND, so its existence is not revealed.
 * - Denials an API key could fix are UNAUTHORIZED for anonymous callers; the rest are FORBIDDEN.
 */
export function decideAccess(request: AccessRequest): AccessDecision {
  const { visibility, role, action } = request;
  const name = request.project === undefined ? "this project" : `project "${request.project}"`;
  if (!VISIBILITY_SET.has(visibility) || !ROLE_SET.has(role) || !ACTION_SET.has(action)) {
    return {
      allowed: false,
      code: "FORBIDDEN",
      reason:
        `unknown access request (visibility "${String(visibility)}", role "${String(role)}", ` +
        `action "${String(action)}"); known visibilities: ${PROJECT_VISIBILITIES.join(", ")}; ` +
        `roles: ${ACCESS_ROLES.join(", ")}; actions: ${ACCESS_ACTIONS.join(", ")}.`,
    };
  }

  if (role === "admin") return ALLOWED;

  if (visibility === "private" && role !== "member") {
    return {
      allowed: false,
      code: "NOT_FOUND",
      reason:
        `${name} was not found, or you cannot see it; ` +
        (role === "anonymous"
          ? "sign in with an API key of a member of the project."
          : "ask an admin of the project to add you as a member."),
    };
  }

  if (ADMIN_ONLY.has(action)) {
    return deny(
      role,
      name,
      `${describeAction(action)} is reserved to admins of ${name}`,
      "an admin",
    );
  }
  if (action === "read") return ALLOWED;
  if (role === "member" && MEMBER_ACTIONS.has(action)) return ALLOWED;
  if (visibility === "open" && role === "user" && OPEN_USER_ACTIONS.has(action)) return ALLOWED;
  if (visibility === "open" && role === "anonymous" && OPEN_USER_ACTIONS.has(action)) {
    return {
      allowed: false,
      code: "UNAUTHORIZED",
      reason: `${describeAction(action)} in open ${name} needs a signed-in user; sign in with an API key.`,
    };
  }
  return deny(
    role,
    name,
    `${describeAction(action)} in ${visibility} ${name} is reserved to its members`,
    "a member",
  );
}

function deny(role: AccessRole, name: string, rule: string, needed: string): AccessDecision {
  if (role === "anonymous") {
    return {
      allowed: false,
      code: "UNAUTHORIZED",
      reason: `${rule}; sign in with an API key of ${needed} of ${name}.`,
    };
  }
  return {
    allowed: false,
    code: "FORBIDDEN",
    reason: `${rule}; ask an admin of ${name} for ${needed === "an admin" ? "the admin role" : "membership"}.`,
  };
}

function describeAction(action: AccessAction): string {
  switch (action) {
    case "read":
      return "reading";
    case "write":
      return "writing (logging artifacts and runs)";
    case "delete":
      return "deleting versions";
    case "manage_aliases":
      return "managing aliases";
    case "manage_protected_aliases":
      return "managing protected aliases";
    case "manage_members":
      return "managing members";
    case "manage_project":
      return "managing the project's settings";
  }
}

/** Like {@link decideAccess}, but throws the denial as a {@link CairnError} with its code. */
export function assertAccess(request: AccessRequest): void {
  const decision = decideAccess(request);
  if (decision.allowed) return;
  throw new CairnError(decision.code, decision.reason, {
    details: { visibility: request.visibility, role: request.role, action: request.action },
  });
}
