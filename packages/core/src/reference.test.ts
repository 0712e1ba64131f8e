import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorOf } from "./error-of.test-helpers.js";
import {
  type ArtifactRef,
  artifactRefSchema,
  artifactRefStringSchema,
  formatReference,
  isCairnError,
  parseReference,
  qualifyReference,
  referencesEqual,
} from "./index.js";

const digest16 = "0123456789abcdef";
const digest64 = "ab".repeat(32);
const latest = { kind: "alias", alias: "latest" } as const;

describe("parseReference", () => {
  it.each<[string, ArtifactRef]>([
    ["bike-dataset", { name: "bike-dataset", selector: latest }],
    ["bike-dataset:latest", { name: "bike-dataset", selector: latest }],
    ["bike-dataset:v0", { name: "bike-dataset", selector: { kind: "version", version: 0 } }],
    ["bike-dataset:v1", { name: "bike-dataset", selector: { kind: "version", version: 1 } }],
    ["bike-dataset:v120", { name: "bike-dataset", selector: { kind: "version", version: 120 } }],
    ["data:v0", { name: "data", selector: { kind: "version", version: 0 } }],
    ["m:best-ap50", { name: "m", selector: { kind: "alias", alias: "best-ap50" } }],
    ["m:V1", { name: "m", selector: { kind: "alias", alias: "V1" } }],
    ["m:v1.0", { name: "m", selector: { kind: "alias", alias: "v1.0" } }],
    ["m:😀", { name: "m", selector: { kind: "alias", alias: "😀" } }],
    [`m:${digest16}`, { name: "m", selector: { kind: "digest", digest: digest16 } }],
    [`m:${digest64}`, { name: "m", selector: { kind: "digest", digest: digest64 } }],
    ["m:0123456789abcde", { name: "m", selector: { kind: "alias", alias: "0123456789abcde" } }],
    [
      "my-project/bike-model:v0",
      { project: "my-project", name: "bike-model", selector: { kind: "version", version: 0 } },
    ],
    ["my-project/bike-model", { project: "my-project", name: "bike-model", selector: latest }],
    [
      "my-entity/my-project/bike-model:v0",
      {
        entity: "my-entity",
        project: "my-project",
        name: "bike-model",
        selector: { kind: "version", version: 0 },
      },
    ],
    [
      "entity/project/artifact:alias",
      {
        entity: "entity",
        project: "project",
        name: "artifact",
        selector: { kind: "alias", alias: "alias" },
      },
    ],
    ["e/p/n", { entity: "e", project: "p", name: "n", selector: latest }],
  ])("%j", (input, expected) => {
    const parsed = parseReference(input);
    expect(parsed).toEqual(expected);
    // exactOptionalPropertyTypes: short forms have no entity/project key at all.
    expect(Object.keys(parsed).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each([
    ["", "empty", undefined],
    [":v1", "artifact name", "artifact name"],
    ["name:", "selector", "selector"],
    ["a:b:c", 'more than one ":"', "selector"],
    ["a/b/c/d", "at most 2 are allowed", undefined],
    ["/name", "project", "project"],
    ["p//name", "project", "project"],
    ["e/.p/name", "project", "project"],
    ["Entity/p/name", "entity", "entity"],
    ["/p/name", "entity", "entity"],
    ["p/na me", "artifact name", "artifact name"],
    ["p/..:v1", "artifact name", "artifact name"],
    ["name:v007", "not canonical", "selector"],
    ["name:v99999999999999999999", "not canonical", "selector"],
    ["name:a b", "alias", "alias"],
    ["name:a\tb", "alias", "alias"],
  ])("rejects %j saying which part is wrong (%s)", (input, fragment, part) => {
    const error = errorOf(() => parseReference(input));
    expect(error.code).toBe("INVALID_REFERENCE");
    expect(error.message).toContain(fragment);
    expect(error.message).toContain("Accepted forms: name, name:alias, name:vN");
    expect((error as { details?: { part?: string } }).details?.part).toBe(part);
  });

  it("keeps the component error as the cause", () => {
    const error = errorOf(() => parseReference("Bad_Entity/p/n"));
    expect(isCairnError(error.cause, "INVALID_ENTITY")).toBe(true);
  });
});

describe("formatReference", () => {
  it.each<[ArtifactRef, string]>([
    [{ name: "n", selector: latest }, "n:latest"],
    [{ name: "n", selector: { kind: "version", version: 3 } }, "n:v3"],
    [{ name: "n", selector: { kind: "digest", digest: digest16 } }, `n:${digest16}`],
    [{ project: "p", name: "n", selector: { kind: "alias", alias: "best" } }, "p/n:best"],
    [{ entity: "e", project: "p", name: "n", selector: latest }, "e/p/n:latest"],
  ])("%j → %j", (ref, expected) => {
    expect(formatReference(ref)).toBe(expected);
  });

  it.each<[ArtifactRef, string]>([
    [{ entity: "e", name: "n", selector: latest }, "entity but no project"],
    [{ name: "a/b", selector: latest }, "artifact name"],
    [{ name: "n", selector: { kind: "alias", alias: "v1" } }, "reserved"],
    [{ name: "n", selector: { kind: "alias", alias: digest16 } }, "reserved"],
    [{ name: "n", selector: { kind: "digest", digest: "ABCDEF0123456789" } }, "lowercase hex"],
    [{ name: "n", selector: { kind: "version", version: -1 } }, "non-negative"],
    [
      { name: "n", selector: { kind: "nope" } as unknown as ArtifactRef["selector"] },
      "selector must be",
    ],
    [{ project: ".p", name: "n", selector: latest }, "project"],
  ])("refuses %j (%s)", (ref, fragment) => {
    const error = errorOf(() => formatReference(ref));
    expect(["INVALID_REFERENCE", "INVALID_INPUT"]).toContain(error.code);
    expect(error.message).toContain(fragment);
  });
});

const entity = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,63}$/);
const project = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,40}$/);
const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/).filter((s) => s !== "." && s !== "..");
const alias = fc
  .stringMatching(/^[A-Za-z0-9_.@+=!-]{1,30}$/)
  .filter((s) => !/^v\d+$/.test(s) && !/^[0-9a-f]{16,64}$/.test(s));
const selector = fc.oneof(
  alias.map((a) => ({ kind: "alias" as const, alias: a })),
  fc.maxSafeNat().map((v) => ({ kind: "version" as const, version: v })),
  fc.stringMatching(/^[0-9a-f]{16,64}$/).map((d) => ({ kind: "digest" as const, digest: d })),
);
const ref: fc.Arbitrary<ArtifactRef> = fc.oneof(
  fc.record({ name, selector }),
  fc.record({ project, name, selector }),
  fc.record({ entity, project, name, selector }),
);

describe("round trip (property)", () => {
  it("parseReference(formatReference(r)) equals r", () => {
    fc.assert(
      fc.property(ref, (r) => {
        const text = formatReference(r);
        expect(parseReference(text)).toEqual(r);
        expect(formatReference(parseReference(text))).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it("parseReference never throws anything but INVALID_REFERENCE", () => {
    const pieces = fc.constantFrom(
      "a",
      "B",
      "/",
      ":",
      "v1",
      "v0",
      digest16,
      " ",
      ".",
      "..",
      "-",
      "é",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces, { maxLength: 10 }).map((p) => p.join("")),
        ),
        (input) => {
          try {
            const parsed = parseReference(input);
            // Whatever parses, formats to something that parses to the same value.
            expect(parseReference(formatReference(parsed))).toEqual(parsed);
          } catch (error) {
            expect(isCairnError(error, "INVALID_REFERENCE")).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("qualifyReference", () => {
  const defaults = { entity: "run-entity", project: "run-project" };

  it.each<[string, string]>([
    ["n", "run-entity/run-project/n:latest"],
    ["n:v2", "run-entity/run-project/n:v2"],
    ["other/n:best", "run-entity/other/n:best"],
    ["team/other/n", "team/other/n:latest"],
  ])("%j in the run's defaults → %j", (input, expected) => {
    const qualified = qualifyReference(input, defaults);
    expect(formatReference(qualified)).toBe(expected);
    expect(qualified.entity).toBe(expected.split("/")[0]);
    expect(qualified.project).toBe(expected.split("/")[1]);
  });

  it("takes an ArtifactRef object as well as a string", () => {
    expect(
      qualifyReference({ name: "n", selector: { kind: "version", version: 1 } }, defaults),
    ).toEqual({
      entity: "run-entity",
      project: "run-project",
      name: "n",
      selector: { kind: "version", version: 1 },
    });
  });

  it("needs no defaults for a fully-qualified reference", () => {
    expect(formatReference(qualifyReference("e/p/n:v0", {}))).toBe("e/p/n:v0");
  });

  it.each([
    ["n", {}, "no project", "project"],
    ["n", { entity: "e" }, "no project", "project"],
    ["n", { project: "p" }, "no entity", "entity"],
    ["p/n", {}, "no entity", "entity"],
  ])("%j with defaults %j names what is missing (%s)", (input, given, fragment, part) => {
    const error = errorOf(() => qualifyReference(input, given));
    expect(error.code).toBe("INVALID_REFERENCE");
    expect(error.message).toContain(fragment);
    expect((error as { details?: { part?: string } }).details?.part).toBe(part);
  });

  it("validates the defaults it fills in", () => {
    expect(
      errorOf(() => qualifyReference("n", { entity: "Bad Entity", project: "p" })).message,
    ).toContain("default entity");
    expect(errorOf(() => qualifyReference("n", { entity: "e", project: ".p" })).message).toContain(
      "default project",
    );
  });
});

describe("referencesEqual", () => {
  it("compares canonical forms", () => {
    expect(referencesEqual(parseReference("n"), parseReference("n:latest"))).toBe(true);
    expect(referencesEqual(parseReference("n:v1"), parseReference("n:v2"))).toBe(false);
    expect(referencesEqual(parseReference("p/n"), parseReference("n"))).toBe(false);
  });
});

describe("zod schemas", () => {
  it("artifactRefSchema accepts valid refs and rejects invalid ones with the reason", () => {
    const ok = artifactRefSchema.safeParse({ project: "p", name: "n", selector: latest });
    expect(ok.success).toBe(true);
    expect(ok.data).toEqual({ project: "p", name: "n", selector: latest });

    const bad = artifactRefSchema.safeParse({
      name: "n",
      selector: { kind: "alias", alias: "v3" },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain("reserved");

    expect(
      artifactRefSchema.safeParse({ name: "n", selector: { kind: "version", version: 1.5 } })
        .success,
    ).toBe(false);
    expect(artifactRefSchema.safeParse({ name: "n" }).success).toBe(false);
    expect(artifactRefSchema.safeParse({ entity: "e", name: "n", selector: latest }).success).toBe(
      false,
    );
    // exact optional: an explicit undefined is not an absent key.
    expect(
      artifactRefSchema.safeParse({ project: undefined, name: "n", selector: latest }).success,
    ).toBe(false);
  });

  it("artifactRefStringSchema parses strings into refs", () => {
    expect(artifactRefStringSchema.parse("e/p/n:v4")).toEqual({
      entity: "e",
      project: "p",
      name: "n",
      selector: { kind: "version", version: 4 },
    });
    const bad = artifactRefStringSchema.safeParse("a/b/c/d");
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain("Accepted forms");
  });

  it("artifactRefSchema accepts every generated ref (property)", () => {
    fc.assert(
      fc.property(ref, (r) => {
        expect(artifactRefSchema.parse(r)).toEqual(r);
      }),
      { numRuns: 300 },
    );
  });
});
