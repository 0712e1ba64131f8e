import { CairnError } from "./errors.js";
import type { ManifestEntry } from "./manifest.js";

/**
 * The pure state machine of a distributed draft: many writers (runs sharing a `distributedId`)
 * upsert files into one draft version, and one of them finishes it.
 *
 * Ordering uses the server's acceptance sequence number `seq`, never wall clocks: clocks of
 * distributed workers disagree, while the order in which the server accepted the upserts is a
 * single, total order that every later merge (in any process, in any order) can reproduce.
 *
 * Life cycle: `open` (upserts accepted) → `finishing` (acceptance frozen at `finishSeq`, waiting
 * until every accepted upsert is applied) → `finished` (committed as version `vN`).
 */
export type DraftStatus = "open" | "finishing" | "finished";

/** What identifies a draft: one per (project, artifact name, distributedId). */
export interface DraftKey {
  readonly project: string;
  readonly artifactName: string;
  readonly distributedId: string;
}

/** One merged entry of a draft, with the upsert (seq and run) that wrote it. */
export interface DraftEntry {
  readonly entry: ManifestEntry;
  readonly seq: number;
  readonly runId: string;
}

/**
 * A draft's whole state. Plain JSON data (sorted arrays, no Maps) so it can be stored, compared
 * and sent between processes; every function here returns a new state and never mutates its input.
 */
export interface DraftState {
  readonly key: DraftKey;
  readonly status: DraftStatus;
  /** Seq of the most recently accepted upsert; 0 before the first one. */
  readonly lastAcceptedSeq: number;
  /** Last seq that belongs to the version; set by {@link requestFinish}. */
  readonly finishSeq?: number;
  /** Every seq in `1..appliedThrough` has been applied (the contiguous prefix). */
  readonly appliedThrough: number;
  /** Applied seqs above `appliedThrough`, ascending (applied out of order, gap still below). */
  readonly appliedAbove: readonly number[];
  /** The merged manifest, one entry per path, sorted by path. */
  readonly entries: readonly DraftEntry[];
  /** Runs whose upserts have been applied, sorted and unique. */
  readonly runIds: readonly string[];
  /** The committed version number (`vN`), once finished. */
  readonly version?: number;
}

/**
 * The merge rule of parallel upserts, for code that merges outside this module (the server's SQL
 * upsert). Keep both sides in step: the property tests here prove the rule order-independent.
 */
export const mergeRule = {
  key: "path",
  winner: "the entry whose upsert has the highest acceptance seq",
  ties: "equal seqs are the same upsert replayed: the entry already stored is kept",
  sql: "INSERT … ON CONFLICT (draft_id, path) DO UPDATE SET … WHERE excluded.seq > draft_entries.seq",
} as const;

/**
 * The merge rule as a function: of two writes to the same path, the one accepted later (higher
 * seq) wins; on a tie (a replay of the same upsert) the incumbent `a` is kept.
 */
export function winnerOf<T extends { readonly seq: number }>(a: T, b: T): T {
  return b.seq > a.seq ? b : a;
}

/** A fresh, open draft with nothing accepted. */
export function createDraft(key: DraftKey): DraftState {
  for (const field of ["project", "artifactName", "distributedId"] as const) {
    if (typeof key[field] !== "string" || key[field].length === 0) {
      throw new CairnError("INVALID_INPUT", `draft ${field} is empty; give a non-empty string.`);
    }
  }
  return {
    key: { ...key },
    status: "open",
    lastAcceptedSeq: 0,
    appliedThrough: 0,
    appliedAbove: [],
    entries: [],
    runIds: [],
  };
}

function draftLabel(key: DraftKey): string {
  return `draft "${key.distributedId}" of artifact "${key.artifactName}" in project "${key.project}"`;
}

function assertRunId(runId: string): void {
  if (typeof runId !== "string" || runId.length === 0) {
    throw new CairnError("INVALID_INPUT", "upsert runId is empty; pass the id of the writing run.");
  }
}

/**
 * Accepts an upsert into an open draft and assigns it the next acceptance seq.
 * Throws DRAFT_FINISHED when the draft is finishing or finished: a writer that comes late must
 * start a new draft (a new distributedId) rather than silently change a committed version.
 */
export function acceptUpsert(
  state: DraftState,
  upsert: { readonly runId: string; readonly entryCount: number },
): { state: DraftState; seq: number } {
  assertRunId(upsert.runId);
  if (!Number.isSafeInteger(upsert.entryCount) || upsert.entryCount < 0) {
    throw new CairnError(
      "INVALID_INPUT",
      `upsert entryCount ${String(upsert.entryCount)} is invalid; give a non-negative integer.`,
    );
  }
  if (state.status === "finished") {
    throw new CairnError(
      "DRAFT_FINISHED",
      `${draftLabel(state.key)} was already finished as version v${String(state.version)}; ` +
        "it accepts no more upserts. Start a new distributedId to build another version.",
      { details: { status: state.status, version: state.version } },
    );
  }
  if (state.status === "finishing") {
    throw new CairnError(
      "DRAFT_FINISHED",
      `${draftLabel(state.key)} is finishing (closed after upsert #${String(state.finishSeq)}); ` +
        "it accepts no more upserts. Start a new distributedId to build another version.",
      { details: { status: state.status, finishSeq: state.finishSeq } },
    );
  }
  const seq = state.lastAcceptedSeq + 1;
  return { state: { ...state, lastAcceptedSeq: seq }, seq };
}

/** True when the upsert with this seq has already been applied to the draft. */
export function isApplied(state: DraftState, seq: number): boolean {
  return seq <= state.appliedThrough || state.appliedAbove.includes(seq);
}

/**
 * Merges an accepted upsert into the draft. For each path the entry with the highest acceptance
 * seq wins ({@link winnerOf}), so applying upserts in any order, or more than once (a retried job),
 * gives the same state as applying them in acceptance order. Re-applying a seq is a no-op.
 */
export function applyUpsert(
  state: DraftState,
  upsert: {
    readonly seq: number;
    readonly runId: string;
    readonly entries: readonly ManifestEntry[];
  },
): DraftState {
  const { seq, runId } = upsert;
  assertRunId(runId);
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > state.lastAcceptedSeq) {
    throw new CairnError(
      "INVALID_INPUT",
      `upsert seq ${String(seq)} was never accepted by ${draftLabel(state.key)}; ` +
        `accepted seqs are 1..${String(state.lastAcceptedSeq)}. Call acceptUpsert first.`,
    );
  }
  if (isApplied(state, seq)) return state;

  const merged = new Map<string, DraftEntry>(state.entries.map((e) => [e.entry.path, e]));
  const seen = new Set<string>();
  for (const entry of upsert.entries) {
    if (seen.has(entry.path)) {
      throw new CairnError(
        "DUPLICATE_PATH",
        `upsert #${String(seq)} lists path "${entry.path}" twice; each path may appear once per upsert.`,
        { details: { path: entry.path, seq } },
      );
    }
    seen.add(entry.path);
    const candidate: DraftEntry = { entry, seq, runId };
    const current = merged.get(entry.path);
    merged.set(entry.path, current === undefined ? candidate : winnerOf(current, candidate));
  }

  const entries = [...merged.values()].sort((a, b) => compare(a.entry.path, b.entry.path));
  const runIds = state.runIds.includes(runId)
    ? state.runIds
    : [...state.runIds, runId].sort(compare);
  return { ...state, ...markApplied(state, seq), entries, runIds };
}

/** Adds `seq` to the applied set, folding the sparse part into the contiguous prefix. */
function markApplied(
  state: DraftState,
  seq: number,
): Pick<DraftState, "appliedThrough" | "appliedAbove"> {
  const above = [...state.appliedAbove, seq].sort((a, b) => a - b);
  let through = state.appliedThrough;
  while (above.length > 0 && above[0] === through + 1) {
    through += 1;
    above.shift();
  }
  return { appliedThrough: through, appliedAbove: above };
}

// Code-unit order, not localeCompare: the result must not depend on the process's locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Freezes acceptance: the version will hold exactly the upserts accepted so far
 * (`finishSeq = lastAcceptedSeq`). Calling it again (a retried finish) returns the state unchanged.
 * Throws DRAFT_EMPTY when nothing was ever upserted, leaving the draft open for writers.
 */
export function requestFinish(state: DraftState): DraftState {
  if (state.status !== "open") return state;
  if (state.lastAcceptedSeq === 0) {
    throw new CairnError(
      "DRAFT_EMPTY",
      `${draftLabel(state.key)} has no upserts; upsert at least one file before finishing it.`,
    );
  }
  return { ...state, status: "finishing", finishSeq: state.lastAcceptedSeq };
}

/**
 * Accepted seqs not yet applied, ascending: up to `finishSeq` once finishing, up to
 * `lastAcceptedSeq` while open.
 */
export function pendingSeqs(state: DraftState): number[] {
  const last = state.finishSeq ?? state.lastAcceptedSeq;
  const pending: number[] = [];
  const above = new Set(state.appliedAbove);
  for (let seq = state.appliedThrough + 1; seq <= last; seq++) {
    if (!above.has(seq)) pending.push(seq);
  }
  return pending;
}

/**
 * True when the draft is finishing and every upsert accepted before the finish has been applied.
 * False while open (finish not requested) and once finished (nothing left to commit).
 */
export function readyToCommit(state: DraftState): boolean {
  return (
    state.status === "finishing" &&
    state.finishSeq !== undefined &&
    state.appliedThrough >= state.finishSeq
  );
}

/**
 * Commits the draft as version `vN`. Throws DRAFT_NOT_READY (with the pending seqs) while upserts
 * accepted before the finish are still unapplied, DRAFT_EMPTY when the merged manifest has no
 * entries, DRAFT_FINISHED when it was already committed as another version. Committing again with
 * the same version (a retried job) returns the state unchanged.
 */
export function commitDraft(state: DraftState, options: { readonly version: number }): DraftState {
  const { version } = options;
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new CairnError(
      "INVALID_INPUT",
      `version ${String(version)} is invalid; give the non-negative integer N of vN.`,
    );
  }
  if (state.status === "finished") {
    if (state.version === version) return state;
    throw new CairnError(
      "DRAFT_FINISHED",
      `${draftLabel(state.key)} was already finished as version v${String(state.version)}; ` +
        `it cannot also become v${String(version)}.`,
      { details: { version: state.version } },
    );
  }
  if (state.status === "open") {
    throw new CairnError(
      "DRAFT_NOT_READY",
      `${draftLabel(state.key)} is still open; call requestFinish (finishArtifact) before committing.`,
      { details: { status: state.status } },
    );
  }
  if (!readyToCommit(state)) {
    const pending = pendingSeqs(state);
    throw new CairnError(
      "DRAFT_NOT_READY",
      `${draftLabel(state.key)} still waits for upserts ${formatSeqs(pending)} accepted before the ` +
        "finish; commit once they are applied.",
      { details: { pending } },
    );
  }
  if (state.entries.length === 0) {
    throw new CairnError(
      "DRAFT_EMPTY",
      `${draftLabel(state.key)} has no entries (its upserts were all empty); ` +
        "a version needs at least one file or reference.",
    );
  }
  return { ...state, status: "finished", version };
}

// Long lists are cut so an error message stays readable; details carry the full list.
function formatSeqs(seqs: readonly number[]): string {
  const shown = seqs.slice(0, 20).map((s) => `#${String(s)}`);
  return seqs.length > 20
    ? `${shown.join(", ")} and ${String(seqs.length - 20)} more`
    : shown.join(", ");
}
