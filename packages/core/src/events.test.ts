import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { globMatches, hookMatches, validatePattern } from "./events.js";

const data = { entity: "acme", project: "vision", name: "cats", type: "dataset" };

describe("globMatches", () => {
  it("matches whole strings with * and ?", () => {
    expect(globMatches("prod*", "production")).toBe(true);
    expect(globMatches("prod*", "preprod")).toBe(false);
    expect(globMatches("*prod", "preprod")).toBe(true);
    expect(globMatches("v?", "v1")).toBe(true);
    expect(globMatches("v?", "v10")).toBe(false);
    expect(globMatches("a*b*c", "axxbyyc")).toBe(true);
    expect(globMatches("a*b*c", "axxbyy")).toBe(false);
    expect(globMatches("*", "")).toBe(true);
  });

  it("agrees with an anchored regular expression", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[ab*?]{0,8}$/),
        fc.stringMatching(/^[ab]{0,10}$/),
        (pattern, value) => {
          const re = new RegExp(`^${pattern.replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
          expect(globMatches(pattern, value)).toBe(re.test(value));
        },
      ),
    );
  });
});

describe("validatePattern", () => {
  it("refuses regex syntax with a hint", () => {
    expect(() => validatePattern("(a+)+$", "alias")).toThrow(/alias pattern .* is not valid/);
    expect(validatePattern("prod*", "alias")).toBe("prod*");
  });
});

describe("hookMatches", () => {
  const all = { kinds: [], namePattern: null, typePattern: null, aliasPattern: null };
  it("filters by kind, name, type and alias", () => {
    expect(hookMatches(all, { type: "version.created", data })).toBe(true);
    expect(hookMatches({ ...all, kinds: ["alias.moved"] }, { type: "version.created", data })).toBe(
      false,
    );
    expect(hookMatches({ ...all, typePattern: "model" }, { type: "version.created", data })).toBe(
      false,
    );
    expect(hookMatches({ ...all, namePattern: "c*" }, { type: "version.created", data })).toBe(
      true,
    );
    const moved = { type: "alias.moved" as const, data: { ...data, alias: "production" } };
    expect(hookMatches({ ...all, aliasPattern: "production" }, moved)).toBe(true);
    expect(hookMatches({ ...all, aliasPattern: "staging" }, moved)).toBe(false);
    expect(
      hookMatches({ ...all, aliasPattern: "production" }, { type: "version.created", data }),
    ).toBe(false);
  });
});
