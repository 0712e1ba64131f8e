import { expectThrowsCode } from "@cairn/vitest-config/expect-code";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AliasMove,
  type AliasState,
  planAliasMoves,
  planAliasRemoval,
  setAliasesOf,
} from "./index.js";

/** Applies moves to a state, as the server's transaction would. */
function apply(state: AliasState, moves: readonly AliasMove[]): Map<string, number> {
  const next = new Map(state);
  for (const move of moves) {
    expect(next.get(move.alias)).toBe(move.from);
    next.set(move.alias, move.to);
  }
  return next;
}

describe("planAliasMoves", () => {
  const current: AliasState = new Map([
    ["latest", 2],
    ["best", 1],
    ["production", 2],
  ]);

  it("moves latest to the newly logged version and adds new aliases", () => {
    expect(
      planAliasMoves({ current, target: 3, requested: ["candidate"], addLatest: true }),
    ).toEqual([
      { alias: "latest", from: 2, to: 3 },
      { alias: "candidate", to: 3 },
    ]);
  });

  it("adds latest on the first log", () => {
    expect(
      planAliasMoves({ current: new Map(), target: 0, requested: [], addLatest: true }),
    ).toEqual([{ alias: "latest", to: 0 }]);
  });

  it("moves latest back to an existing version when identical contents are logged again", () => {
    expect(planAliasMoves({ current, target: 1, requested: [], addLatest: true })).toEqual([
      { alias: "latest", from: 2, to: 1 },
    ]);
  });

  it("moves custom aliases set on another version and skips no-op moves", () => {
    expect(
      planAliasMoves({ current, target: 2, requested: ["best", "production"], addLatest: true }),
    ).toEqual([{ alias: "best", from: 1, to: 2 }]);
  });

  it("de-duplicates requested aliases, including an explicit latest", () => {
    expect(
      planAliasMoves({ current, target: 5, requested: ["x", "latest", "x"], addLatest: true }),
    ).toEqual([
      { alias: "latest", from: 2, to: 5 },
      { alias: "x", to: 5 },
    ]);
  });

  it("leaves latest alone when addLatest is false", () => {
    expect(planAliasMoves({ current, target: 0, requested: ["best"], addLatest: false })).toEqual([
      { alias: "best", from: 1, to: 0 },
    ]);
  });

  it("refuses reserved and malformed aliases and bad targets", () => {
    const plan =
      (requested: string[], target = 3) =>
      () =>
        planAliasMoves({ current, target, requested, addLatest: true });
    expectThrowsCode(plan(["v3"]), "RESERVED_ALIAS");
    expectThrowsCode(plan(["0123456789abcdef0123"]), "RESERVED_ALIAS");
    expectThrowsCode(plan(["has space"]), "INVALID_ALIAS");
    expectThrowsCode(plan(["a/b"]), "INVALID_ALIAS");
    expectThrowsCode(plan(["ok"], -1), "INVALID_INPUT");
  });

  it("always ends with every wanted alias on the target and others untouched", () => {
    const alias = fc.constantFrom("latest", "best", "prod", "staging", "exp-1");
    const state = fc.array(fc.tuple(alias, fc.nat(5))).map((pairs) => new Map(pairs) as AliasState);
    fc.assert(
      fc.property(state, fc.nat(5), fc.array(alias), fc.boolean(), (cur, target, req, latest) => {
        const moves = planAliasMoves({ current: cur, target, requested: req, addLatest: latest });
        const after = apply(cur, moves);
        const wanted = new Set(latest ? ["latest", ...req] : req);
        for (const a of wanted) expect(after.get(a)).toBe(target);
        for (const [a, v] of cur) if (!wanted.has(a)) expect(after.get(a)).toBe(v);
        for (const m of moves) expect(m.from).not.toBe(m.to);
        expect(new Set(moves.map((m) => m.alias)).size).toBe(moves.length);
      }),
    );
  });
});

describe("planAliasRemoval", () => {
  const current: AliasState = new Map([
    ["latest", 2],
    ["best", 1],
    ["old", 1],
  ]);

  it("removes only aliases that are on the version, once each", () => {
    expect(planAliasRemoval(current, 1, ["best", "latest", "missing", "best", "old"])).toEqual([
      { alias: "best", from: 1 },
      { alias: "old", from: 1 },
    ]);
    expect(planAliasRemoval(current, 3, ["best"])).toEqual([]);
    expectThrowsCode(() => planAliasRemoval(current, 1.5, ["best"]), "INVALID_INPUT");
  });
});

describe("setAliasesOf", () => {
  const current: AliasState = new Map([
    ["latest", 2],
    ["best", 1],
    ["old", 1],
    ["production", 2],
  ]);

  it("replaces the alias list of one version with adds, removes and moves", () => {
    expect(setAliasesOf(current, 1, ["best", "production", "reviewed"])).toEqual({
      adds: [{ alias: "reviewed", to: 1 }],
      removes: [{ alias: "old", from: 1 }],
      moves: [{ alias: "production", from: 2, to: 1 }],
    });
  });

  it("is empty when the list is unchanged, and can drop every alias", () => {
    expect(setAliasesOf(current, 1, ["old", "best", "best"])).toEqual({
      adds: [],
      removes: [],
      moves: [],
    });
    expect(setAliasesOf(current, 2, [])).toEqual({
      adds: [],
      removes: [
        { alias: "latest", from: 2 },
        { alias: "production", from: 2 },
      ],
      moves: [],
    });
  });

  it("validates the desired aliases", () => {
    expectThrowsCode(() => setAliasesOf(current, 1, ["best", "v1"]), "RESERVED_ALIAS");
    expectThrowsCode(() => setAliasesOf(current, 1, [""]), "INVALID_ALIAS");
  });

  it("leaves the version holding exactly the desired aliases", () => {
    const alias: fc.Arbitrary<string> = fc.constantFrom(
      "latest",
      "best",
      "prod",
      "staging",
      "exp-1",
    );
    const state = fc.array(fc.tuple(alias, fc.nat(3))).map((pairs) => new Map(pairs) as AliasState);
    fc.assert(
      fc.property(state, fc.nat(3), fc.array(alias), (cur, version, desired) => {
        const plan = setAliasesOf(cur, version, desired);
        const after = new Map(cur);
        for (const r of plan.removes) after.delete(r.alias);
        for (const m of [...plan.moves, ...plan.adds]) {
          expect(cur.get(m.alias)).toBe(m.from);
          after.set(m.alias, m.to);
        }
        const onVersion = [...after].filter(([, v]) => v === version).map(([a]) => a);
        expect(new Set(onVersion)).toEqual(new Set(desired));
        // Aliases of other versions that were not desired stay where they were.
        for (const [a, v] of cur)
          if (v !== version && !desired.includes(a)) expect(after.get(a)).toBe(v);
      }),
    );
  });
});
