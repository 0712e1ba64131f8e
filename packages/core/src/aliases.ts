import { CairnError } from "./errors.js";
import { LATEST_ALIAS, validateAlias } from "./names.js";

/**
 * The aliases of one artifact: alias → the number of the version it points at. An alias points at
 * exactly one version, so a map captures the whole state.
 */
export type AliasState = ReadonlyMap<string, number>;

/** Point `alias` at version `to`; `from` is the version it leaves, absent when the alias is new. */
export interface AliasMove {
  alias: string;
  from?: number;
  to: number;
}

/** Detach `alias` from version `from`. */
export interface AliasRemoval {
  alias: string;
  from: number;
}

/** Input of {@link planAliasMoves}. */
export interface PlanAliasMovesInput {
  /** The artifact's aliases before the change. */
  current: AliasState;
  /** Number of the version the aliases should point at. */
  target: number;
  /** Aliases the caller asked for (validated, duplicates ignored). */
  requested: Iterable<string>;
  /** Also move `latest` to `target` — true on every log, including a log that resolves to an
   * existing version. */
  addLatest: boolean;
}

function assertVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new CairnError(
      "INVALID_INPUT",
      `A version number must be a non-negative integer (the N of "vN"), got ${String(version)}.`,
      { details: { version } },
    );
  }
}

/** Validates and de-duplicates aliases, keeping the order of first appearance. */
function uniqueAliases(aliases: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const alias of aliases) seen.add(validateAlias(alias));
  return [...seen];
}

/**
 * Plans the alias changes of a log (or of `run.useArtifact` / `link` with aliases): `latest` first
 * when `addLatest`, then each requested alias in order. An alias already on `target` is skipped;
 * one on another version moves (`from` says where from); a new one is added (no `from`).
 *
 * @throws CairnError INVALID_ALIAS / RESERVED_ALIAS (from `validateAlias`) — e.g. `v3` or a digest;
 *   INVALID_INPUT for a bad `target`.
 */
export function planAliasMoves(input: PlanAliasMovesInput): AliasMove[] {
  const { current, target, requested, addLatest } = input;
  assertVersion(target);
  const wanted = uniqueAliases(addLatest ? [LATEST_ALIAS, ...requested] : requested);
  const moves: AliasMove[] = [];
  for (const alias of wanted) {
    const from = current.get(alias);
    if (from === target) continue;
    moves.push(from === undefined ? { alias, to: target } : { alias, from, to: target });
  }
  return moves;
}

/**
 * Plans removing `aliases` from `version`. Aliases that are not on that version (absent, or on
 * another version) are skipped: removal is idempotent and never detaches an alias that has since
 * moved elsewhere.
 *
 * @throws CairnError INVALID_INPUT for a bad `version`.
 */
export function planAliasRemoval(
  current: AliasState,
  version: number,
  aliases: Iterable<string>,
): AliasRemoval[] {
  assertVersion(version);
  const removals: AliasRemoval[] = [];
  const seen = new Set<string>();
  for (const alias of aliases) {
    if (seen.has(alias)) continue;
    seen.add(alias);
    if (current.get(alias) === version) removals.push({ alias, from: version });
  }
  return removals;
}

/** Changes that make one version's alias list equal the desired list. */
export interface AliasListPlan {
  /** Aliases new to the artifact, attached to the version. */
  adds: AliasMove[];
  /** Aliases the version had and the desired list drops. */
  removes: AliasRemoval[];
  /** Aliases taken from another version of the artifact. */
  moves: AliasMove[];
}

/**
 * Replaces the whole alias list of `version` with `desired` (what `artifact.save()` does after the
 * user edited `artifact.aliases`). Desired aliases held by another version move here; aliases of
 * this version missing from `desired` are removed (including `latest`, if the user dropped it).
 * Apply removes, then moves, then adds.
 *
 * @throws CairnError INVALID_ALIAS / RESERVED_ALIAS for a desired alias; INVALID_INPUT for a bad
 *   `version`.
 */
export function setAliasesOf(
  current: AliasState,
  version: number,
  desired: Iterable<string>,
): AliasListPlan {
  assertVersion(version);
  const wanted = uniqueAliases(desired);
  const wantedSet = new Set(wanted);
  const plan: AliasListPlan = { adds: [], removes: [], moves: [] };
  for (const [alias, on] of current) {
    if (on === version && !wantedSet.has(alias)) plan.removes.push({ alias, from: version });
  }
  for (const alias of wanted) {
    const from = current.get(alias);
    if (from === undefined) plan.adds.push({ alias, to: version });
    else if (from !== version) plan.moves.push({ alias, from, to: version });
  }
  return plan;
}
