import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  acceptUpsert,
  applyUpsert,
  type CairnError,
  commitDraft,
  createDraft,
  type DraftState,
  isApplied,
  isCairnError,
  type ManifestEntry,
  mergeRule,
  pendingSeqs,
  readyToCommit,
  requestFinish,
  winnerOf,
} from "./index.js";

const key = { project: "vision", artifactName: "cats", distributedId: "group-7" };

function entry(path: string, digest: string): ManifestEntry {
  return { path, digest, size: digest.length };
}

function expectCode(fn: () => unknown, code: string): CairnError {
  try {
    fn();
  } catch (err) {
    expect(isCairnError(err)).toBe(true);
    expect((err as CairnError).code).toBe(code);
    return err as CairnError;
  }
  throw new Error(`expected ${code} to be thrown`);
}

/** Accepts upserts in order and returns the state plus the seq of each one. */
function acceptAll(runIds: readonly string[]): { state: DraftState; seqs: number[] } {
  let state = createDraft(key);
  const seqs: number[] = [];
  for (const runId of runIds) {
    const accepted = acceptUpsert(state, { runId, entryCount: 1 });
    state = accepted.state;
    seqs.push(accepted.seq);
  }
  return { state, seqs };
}

describe("acceptUpsert", () => {
  it("assigns strictly increasing seqs starting at 1", () => {
    const { state, seqs } = acceptAll(["a", "b", "a"]);
    expect(seqs).toEqual([1, 2, 3]);
    expect(state.lastAcceptedSeq).toBe(3);
    expect(state.status).toBe("open");
  });

  it("does not mutate the input state", () => {
    const initial = createDraft(key);
    acceptUpsert(initial, { runId: "a", entryCount: 2 });
    expect(initial.lastAcceptedSeq).toBe(0);
  });

  it("refuses upserts once finishing, telling the writer to use a new distributedId", () => {
    const { state } = acceptAll(["a"]);
    const finishing = requestFinish(state);
    const err = expectCode(
      () => acceptUpsert(finishing, { runId: "b", entryCount: 1 }),
      "DRAFT_FINISHED",
    );
    expect(err.message).toMatch(/is finishing/);
    expect(err.message).toMatch(/new distributedId/);
  });

  it("refuses upserts once finished, naming the version", () => {
    const { state } = acceptAll(["a"]);
    const applied = applyUpsert(state, { seq: 1, runId: "a", entries: [entry("x.txt", "d1")] });
    const finished = commitDraft(requestFinish(applied), { version: 4 });
    const err = expectCode(
      () => acceptUpsert(finished, { runId: "b", entryCount: 1 }),
      "DRAFT_FINISHED",
    );
    expect(err.message).toMatch(/finished as version v4/);
    expect(err.message).toMatch(/new distributedId/);
  });

  it("rejects an empty runId and a bad entryCount", () => {
    expectCode(() => acceptUpsert(createDraft(key), { runId: "", entryCount: 1 }), "INVALID_INPUT");
    expectCode(
      () => acceptUpsert(createDraft(key), { runId: "a", entryCount: -1 }),
      "INVALID_INPUT",
    );
    expectCode(
      () => acceptUpsert(createDraft(key), { runId: "a", entryCount: 1.5 }),
      "INVALID_INPUT",
    );
  });

  it("rejects an incomplete draft key", () => {
    expectCode(() => createDraft({ ...key, distributedId: "" }), "INVALID_INPUT");
  });
});

describe("applyUpsert", () => {
  it("lets the later-accepted upsert win a path even when applied first", () => {
    const { state } = acceptAll(["a", "b"]);
    let s = applyUpsert(state, { seq: 2, runId: "b", entries: [entry("x", "new")] });
    s = applyUpsert(s, { seq: 1, runId: "a", entries: [entry("x", "old"), entry("y", "only-a")] });
    expect(s.entries.map((e) => [e.entry.path, e.entry.digest, e.seq, e.runId])).toEqual([
      ["x", "new", 2, "b"],
      ["y", "only-a", 1, "a"],
    ]);
    expect(s.runIds).toEqual(["a", "b"]);
  });

  it("is idempotent: applying the same seq twice changes nothing", () => {
    const { state } = acceptAll(["a"]);
    const once = applyUpsert(state, { seq: 1, runId: "a", entries: [entry("x", "1")] });
    const twice = applyUpsert(once, { seq: 1, runId: "a", entries: [entry("x", "1")] });
    expect(twice).toBe(once);
  });

  it("tracks applied seqs as a contiguous prefix plus sparse extras", () => {
    const { state } = acceptAll(["a", "a", "a", "a"]);
    let s = applyUpsert(state, { seq: 3, runId: "a", entries: [] });
    s = applyUpsert(s, { seq: 4, runId: "a", entries: [] });
    expect([s.appliedThrough, s.appliedAbove]).toEqual([0, [3, 4]]);
    expect(pendingSeqs(s)).toEqual([1, 2]);
    s = applyUpsert(s, { seq: 1, runId: "a", entries: [] });
    expect([s.appliedThrough, s.appliedAbove]).toEqual([1, [3, 4]]);
    s = applyUpsert(s, { seq: 2, runId: "a", entries: [] });
    expect([s.appliedThrough, s.appliedAbove]).toEqual([4, []]);
    expect(isApplied(s, 2)).toBe(true);
    expect(pendingSeqs(s)).toEqual([]);
  });

  it("refuses a seq that was never accepted", () => {
    const { state } = acceptAll(["a"]);
    expectCode(() => applyUpsert(state, { seq: 2, runId: "a", entries: [] }), "INVALID_INPUT");
    expectCode(() => applyUpsert(state, { seq: 0, runId: "a", entries: [] }), "INVALID_INPUT");
  });

  it("refuses a path listed twice in one upsert", () => {
    const { state } = acceptAll(["a"]);
    const err = expectCode(
      () => applyUpsert(state, { seq: 1, runId: "a", entries: [entry("x", "1"), entry("x", "2")] }),
      "DUPLICATE_PATH",
    );
    expect(err.message).toContain('"x"');
  });

  it("sorts entries by code unit, independent of locale", () => {
    const { state } = acceptAll(["a"]);
    const s = applyUpsert(state, {
      seq: 1,
      runId: "a",
      entries: [entry("b", "1"), entry("B", "2"), entry("a/z", "3"), entry("a", "4")],
    });
    expect(s.entries.map((e) => e.entry.path)).toEqual(["B", "a", "a/z", "b"]);
  });

  // Upserts over a small set of paths so they collide often; runs drawn from a few ids.
  const upsertsArb = fc.array(
    fc.record({
      runId: fc.constantFrom("r1", "r2", "r3"),
      entries: fc.uniqueArray(
        fc.record({
          path: fc.constantFrom("a", "b", "c/d", "e.txt", "f"),
          digest: fc.string({
            unit: fc.constantFrom(..."0123456789abcdef"),
            minLength: 1,
            maxLength: 4,
          }),
        }),
        { selector: (e) => e.path, maxLength: 5 },
      ),
    }),
    { minLength: 1, maxLength: 12 },
  );

  it("property: any apply order, with duplicates, equals acceptance order", () => {
    fc.assert(
      fc.property(
        upsertsArb,
        fc.func(fc.integer()),
        fc.array(fc.nat(), { maxLength: 6 }),
        (upserts, order, dupIdx) => {
          const { state, seqs } = acceptAll(upserts.map((u) => u.runId));
          const jobs = upserts.map((u, i) => ({
            seq: seqs[i]!,
            runId: u.runId,
            entries: u.entries.map((e) => entry(e.path, e.digest)),
          }));

          const inOrder = jobs.reduce(applyUpsert, state);

          // A random permutation (sorted by a random key) with some jobs delivered twice.
          const dups = dupIdx.map((i) => jobs[i % jobs.length]!);
          const shuffled = [...jobs, ...dups]
            .map((job, i) => ({ job, k: order(i) }))
            .sort((x, y) => x.k - y.k)
            .map((x) => x.job);
          const anyOrder = shuffled.reduce(applyUpsert, state);

          expect(anyOrder).toEqual(inOrder);

          // And the result matches the model: per path, the last upsert (by seq) naming it.
          const model = new Map<string, { digest: string; seq: number; runId: string }>();
          for (const job of jobs) {
            for (const e of job.entries)
              model.set(e.path, { digest: e.digest, seq: job.seq, runId: job.runId });
          }
          const actual = new Map(
            inOrder.entries.map((e) => [
              e.entry.path,
              { digest: e.entry.digest, seq: e.seq, runId: e.runId },
            ]),
          );
          expect(actual).toEqual(model);
          expect(inOrder.appliedThrough).toBe(jobs.length);
          expect(inOrder.runIds).toEqual([...new Set(jobs.map((j) => j.runId))].sort());
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("finish and commit", () => {
  it("freezes acceptance at the last accepted seq and is idempotent", () => {
    const { state } = acceptAll(["a", "b", "c"]);
    const finishing = requestFinish(state);
    expect(finishing.status).toBe("finishing");
    expect(finishing.finishSeq).toBe(3);
    expect(requestFinish(finishing)).toBe(finishing);
  });

  it("refuses to finish a draft nobody upserted to, leaving it open", () => {
    const err = expectCode(() => requestFinish(createDraft(key)), "DRAFT_EMPTY");
    expect(err.message).toMatch(/upsert at least one/);
  });

  it("is ready only when every seq up to finishSeq is applied", () => {
    const { state } = acceptAll(["a", "b", "c"]);
    let s = applyUpsert(state, { seq: 3, runId: "c", entries: [entry("c", "3")] });
    expect(readyToCommit(s)).toBe(false); // still open
    s = requestFinish(s);
    expect(readyToCommit(s)).toBe(false);
    expect(pendingSeqs(s)).toEqual([1, 2]);
    const err = expectCode(() => commitDraft(s, { version: 0 }), "DRAFT_NOT_READY");
    expect(err.message).toContain("#1, #2");
    expect(err.details).toEqual({ pending: [1, 2] });
    s = applyUpsert(s, { seq: 1, runId: "a", entries: [entry("a", "1")] });
    s = applyUpsert(s, { seq: 2, runId: "b", entries: [entry("b", "2")] });
    expect(readyToCommit(s)).toBe(true);
    const done = commitDraft(s, { version: 2 });
    expect(done.status).toBe("finished");
    expect(done.version).toBe(2);
    expect(done.entries.map((e) => e.entry.path)).toEqual(["a", "b", "c"]);
    expect(readyToCommit(done)).toBe(false);
  });

  it("refuses to commit an open draft", () => {
    const { state } = acceptAll(["a"]);
    const s = applyUpsert(state, { seq: 1, runId: "a", entries: [entry("a", "1")] });
    expect(expectCode(() => commitDraft(s, { version: 0 }), "DRAFT_NOT_READY").message).toMatch(
      /requestFinish/,
    );
  });

  it("refuses to commit a draft whose upserts were all empty", () => {
    const { state } = acceptAll(["a"]);
    const s = requestFinish(applyUpsert(state, { seq: 1, runId: "a", entries: [] }));
    expectCode(() => commitDraft(s, { version: 0 }), "DRAFT_EMPTY");
  });

  it("commits idempotently for the same version and refuses another", () => {
    const { state } = acceptAll(["a"]);
    const s = requestFinish(applyUpsert(state, { seq: 1, runId: "a", entries: [entry("a", "1")] }));
    const done = commitDraft(s, { version: 1 });
    expect(commitDraft(done, { version: 1 })).toBe(done);
    expect(requestFinish(done)).toBe(done);
    expectCode(() => commitDraft(done, { version: 2 }), "DRAFT_FINISHED");
    expectCode(() => commitDraft(s, { version: -1 }), "INVALID_INPUT");
  });

  it("ignores a late duplicate apply after the commit", () => {
    const { state } = acceptAll(["a"]);
    const job = { seq: 1, runId: "a", entries: [entry("a", "1")] };
    const done = commitDraft(requestFinish(applyUpsert(state, job)), { version: 0 });
    expect(applyUpsert(done, job)).toBe(done);
  });
});

describe("winnerOf and mergeRule", () => {
  it("picks the higher seq and keeps the incumbent on a tie", () => {
    const a = { seq: 1, tag: "a" };
    const b = { seq: 2, tag: "b" };
    expect(winnerOf(a, b)).toBe(b);
    expect(winnerOf(b, a)).toBe(b);
    const replay = { seq: 2, tag: "replay" };
    expect(winnerOf(b, replay)).toBe(b);
  });

  it("documents the SQL side of the rule on the same key", () => {
    expect(mergeRule.key).toBe("path");
    expect(mergeRule.sql).toContain("excluded.seq > draft_entries.seq");
  });
});
