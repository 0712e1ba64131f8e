import { CairnError } from "@cairn/core";

/** Which entries of a version a partial download fetches (W&B `path_prefix`, HF `allow_patterns`). */
export interface EntryFilter {
  /** Only paths starting with this, e.g. `images/` (asked of the server: matching pages only). */
  prefix?: string | undefined;
  /** Globs a path must match one of: `images/**\/*.png`, `*.json`, `{train,val}/**`. */
  include?: readonly string[] | undefined;
  /** Globs no path may match. */
  exclude?: readonly string[] | undefined;
}

const META = /[*?[{]/;

/**
 * A glob as a RegExp over whole entry paths: `**` any characters including `/` (`**\/` also
 * matches no folder at all), `*` any characters but `/`, `?` one character but `/`, `[abc]` a
 * class, `{a,b}` alternatives. Anything else is literal.
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  let depth = 0;
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        i += 1;
        if (glob[i + 1] === "/") {
          i += 1;
          re += "(?:.*/)?";
        } else re += ".*";
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) {
        throw new CairnError(
          "INVALID_INPUT",
          `The pattern ${JSON.stringify(glob)} opens a [class] it never closes: add "]".`,
        );
      }
      const body = glob
        .slice(i + 1, end)
        .replace(/^!/, "^")
        .replace(/\\/g, "\\\\");
      re += `[${body}]`;
      i = end;
    } else if (c === "{") {
      depth += 1;
      re += "(?:";
    } else if (c === "}" && depth > 0) {
      depth -= 1;
      re += ")";
    } else if (c === "," && depth > 0) re += "|";
    else re += c.replace(/[.+^$()|\\\]}]/g, "\\$&");
  }
  if (depth > 0) {
    throw new CairnError(
      "INVALID_INPUT",
      `The pattern ${JSON.stringify(glob)} opens a {group} it never closes: add "}".`,
    );
  }
  return new RegExp(`^${re}$`);
}

/** The folder part of a glob before its first wildcard: `images/**\/*.png` → `images/`. */
function literalFolder(glob: string): string {
  const meta = glob.search(META);
  const literal = meta < 0 ? glob : glob.slice(0, meta);
  return meta < 0 ? literal : literal.slice(0, literal.lastIndexOf("/") + 1);
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return a.slice(0, i);
}

/**
 * The path prefix the server can filter on for `filter`: the given prefix, narrowed to the
 * folders every include pattern starts with when those lie inside it.
 */
export function serverPrefixOf(filter: EntryFilter): string {
  const prefix = filter.prefix ?? "";
  const include = filter.include ?? [];
  if (include.length === 0) return prefix;
  const folders = include.map(literalFolder);
  const shared = folders.reduce(commonPrefix);
  return shared.startsWith(prefix) ? shared : prefix;
}

/** True when the filter selects anything less than the whole version. */
export function isPartial(filter: EntryFilter): boolean {
  return (
    Boolean(filter.prefix) || (filter.include?.length ?? 0) > 0 || (filter.exclude?.length ?? 0) > 0
  );
}

/** A predicate over entry paths for `filter`. */
export function entryMatcher(filter: EntryFilter): (path: string) => boolean {
  const prefix = filter.prefix ?? "";
  const include = (filter.include ?? []).map(globToRegExp);
  const exclude = (filter.exclude ?? []).map(globToRegExp);
  return (path) =>
    path.startsWith(prefix) &&
    (include.length === 0 || include.some((r) => r.test(path))) &&
    !exclude.some((r) => r.test(path));
}
