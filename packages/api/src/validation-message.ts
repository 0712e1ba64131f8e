import type { z } from "zod";

type Issue = z.core.$ZodIssue;

/** `config.lr`, `entries[3].path`; the input itself when the path is empty. */
function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "the input";
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return `"${out}"`;
}

const NOUN: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  record: "an object",
  bigint: "an integer",
};

function units(origin: string, n: number | bigint): string {
  const count = Number(n);
  if (origin === "string") return `${count} character${count === 1 ? "" : "s"}`;
  if (origin === "array" || origin === "set") return `${count} item${count === 1 ? "" : "s"}`;
  if (origin === "file") return `${count} bytes`;
  return String(count);
}

/** One issue as `<field> <rule>: <fix>.` */
function describeIssue(issue: Issue): string {
  const field = fieldName(issue.path);
  switch (issue.code) {
    case "invalid_type": {
      const expected = NOUN[issue.expected] ?? issue.expected;
      if (/received undefined/.test(issue.message)) {
        return `${field} is required: pass ${expected}.`;
      }
      const received = /received (\w+)/.exec(issue.message)?.[1];
      return `${field} must be ${expected}${received ? `, not ${received}` : ""}: pass ${expected}.`;
    }
    case "too_small": {
      const origin = issue.origin;
      if (origin === "string" && Number(issue.minimum) === 1) {
        return `${field} must not be empty: pass at least one character.`;
      }
      if (origin === "array" || origin === "set" || origin === "string" || origin === "file") {
        return `${field} must have at least ${units(origin, issue.minimum)}: add more.`;
      }
      const rule = issue.inclusive === false ? "greater than" : "at least";
      return `${field} must be ${rule} ${String(issue.minimum)}: pass a larger value.`;
    }
    case "too_big": {
      const origin = issue.origin;
      // A schema that gives its own message says the fix (e.g. "send bigger artifacts in pages").
      if (!/^Too big/.test(issue.message)) return `${field}: ${issue.message}.`;
      if (origin === "array" || origin === "set" || origin === "string" || origin === "file") {
        return `${field} must have at most ${units(origin, issue.maximum)}: shorten it${origin === "array" ? " or send it in several requests" : ""}.`;
      }
      const rule = issue.inclusive === false ? "less than" : "at most";
      return `${field} must be ${rule} ${String(issue.maximum)}: pass a smaller value.`;
    }
    case "invalid_value": {
      const allowed = issue.values.map((v) => JSON.stringify(v));
      return allowed.length === 1
        ? `${field} must be ${allowed[0]}.`
        : `${field} must be one of ${allowed.join(", ")}: pick one of them.`;
    }
    case "invalid_format": {
      // A schema that gives its own message names the format ("the version digest: 64 hex…").
      const custom = !issue.message.startsWith("Invalid");
      return custom
        ? `${field} must be ${issue.message}.`
        : `${field} is not a valid ${issue.format}: check its spelling.`;
    }
    case "not_multiple_of":
      return `${field} must be a multiple of ${String(issue.divisor)}.`;
    case "unrecognized_keys":
      return `${field} has unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => `"${k}"`).join(", ")}: remove ${issue.keys.length === 1 ? "it" : "them"} (check the spelling).`;
    case "invalid_union":
      return `${field} does not match any accepted form: check its type and fields.`;
    case "invalid_key":
      return `${field} has a key that is not allowed: use string keys.`;
    case "invalid_element":
      return `${field} has an element that is not allowed: check each element.`;
    default:
      return `${field}: ${issue.message}.`;
  }
}

/**
 * Turns a failed input validation into sentences a person can act on — each names the field,
 * the rule it broke and the fix — instead of zod's raw issue list. At most 5 issues are spelled
 * out (one wrong list item is usually the same mistake as the next).
 */
export function describeValidationError(
  error: { issues: readonly Issue[] },
  procedure?: string,
): string {
  const issues = error.issues.slice(0, 5).map(describeIssue);
  const more = error.issues.length - issues.length;
  const where = procedure ? ` to ${procedure}` : "";
  return `Invalid input${where}: ${issues.join(" ")}${more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"} like these)` : ""}`;
}
