import { expectThrowsCode } from "@cairn/vitest-config/expect-code";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorOf } from "./error-of.test-helpers.js";
import {
  type CairnErrorCode,
  formatVersionAlias,
  isDigestLike,
  isVersionAlias,
  LATEST_ALIAS,
  MAX_ALIAS_LENGTH,
  MAX_ARTIFACT_NAME_LENGTH,
  MAX_ARTIFACT_TYPE_LENGTH,
  MAX_ENTITY_NAME_LENGTH,
  MAX_PROJECT_NAME_LENGTH,
  MAX_TAG_LENGTH,
  parseVersionAlias,
  validateAlias,
  validateArtifactName,
  validateArtifactType,
  validateEntityName,
  validateProjectName,
  validateTag,
} from "./index.js";

function expectRejected(fn: () => unknown, code: CairnErrorCode, ...fragments: string[]): void {
  const error = expectThrowsCode(fn, code);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
}

const hex = (n: number) => "0123456789abcdef".repeat(5).slice(0, n);

describe("validateArtifactName", () => {
  it.each([
    "bike-dataset",
    "model.h5",
    "run-3nq3ctyy-bike-model",
    "a",
    "A_b-C.d",
    "...",
    ".hidden",
    "x".repeat(MAX_ARTIFACT_NAME_LENGTH),
    "0",
  ])("accepts %j and returns it", (name) => {
    expect(validateArtifactName(name)).toBe(name);
  });

  it.each([
    ["", "empty"],
    [".", "directory"],
    ["..", "directory"],
    ["a/b", '"/"'],
    ["a:b", '":"'],
    ["a b", "U+0020"],
    ["reference model", "U+0020"],
    ["tab\there", "U+0009"],
    ["café", '"é"'],
    ["x".repeat(MAX_ARTIFACT_NAME_LENGTH + 1), "129 characters"],
    ["a@b", '"@"'],
  ])("rejects %j (%s)", (name, why) => {
    expectRejected(() => validateArtifactName(name), "INVALID_NAME", why, "letters, digits");
  });

  it("names the bad value in the message", () => {
    expect(errorOf(() => validateArtifactName("my/model")).message).toContain('"my/model"');
  });

  it("rejects non-strings with a CairnError, not a TypeError", () => {
    expectRejected(() => validateArtifactName(42 as unknown as string), "INVALID_NAME", "string");
    expectRejected(() => validateArtifactName(undefined as unknown as string), "INVALID_NAME");
  });

  it("accepts exactly the strings of the allowed alphabet (property)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 140 }), (s) => {
        const ok = /^[A-Za-z0-9_.-]{1,128}$/.test(s) && s !== "." && s !== "..";
        let accepted = true;
        try {
          validateArtifactName(s);
        } catch {
          accepted = false;
        }
        expect(accepted).toBe(ok);
      }),
    );
  });
});

describe("validateArtifactType", () => {
  it.each([
    "dataset",
    "model",
    "result",
    "code",
    "my type",
    "Modèle",
    "t".repeat(MAX_ARTIFACT_TYPE_LENGTH),
    "😀".repeat(MAX_ARTIFACT_TYPE_LENGTH),
    "a-b_c.d",
  ])("accepts %j", (type) => {
    expect(validateArtifactType(type)).toBe(type);
  });

  it.each([
    ["", "empty"],
    ["a/b", '"/"'],
    ["a:b", '":"'],
    [" dataset", "whitespace"],
    ["dataset ", "whitespace"],
    ["data\nset", "U+000A"],
    ["data\u0000set", "U+0000"],
    ["data\u007fset", "U+007F"],
    ["\ud800", "U+D800"],
    ["t".repeat(MAX_ARTIFACT_TYPE_LENGTH + 1), "129 characters"],
  ])("rejects %j (%s)", (type, why) => {
    expectRejected(() => validateArtifactType(type), "INVALID_TYPE", why, "free text");
  });
});

describe("validateAlias", () => {
  it.each([
    LATEST_ALIAS,
    "best-ap50",
    "production",
    "best",
    "v",
    "V3",
    "v1.0",
    "v1-rc",
    "version3",
    "😀",
    "DEADBEEFDEADBEEF",
    hex(15),
    hex(65),
    "a".repeat(MAX_ALIAS_LENGTH),
  ])("accepts %j", (alias) => {
    expect(validateAlias(alias)).toBe(alias);
  });

  it.each([
    ["", "empty"],
    ["a/b", '"/"'],
    ["a:b", '":"'],
    ["a b", "U+0020"],
    ["a\tb", "U+0009"],
    ["a\u00a0b", "U+00A0"],
    ["a\u0085b", "U+0085"],
    ["a".repeat(MAX_ALIAS_LENGTH + 1), "129 characters"],
  ])("rejects malformed %j with INVALID_ALIAS (%s)", (alias, why) => {
    expectRejected(() => validateAlias(alias), "INVALID_ALIAS", why, "An alias is");
  });

  it.each(["v0", "v1", "v3", "v10", "v007", "v99999999999999999999"])(
    "reserves the version label %j",
    (alias) => {
      expectRejected(() => validateAlias(alias), "RESERVED_ALIAS", alias, "reserved", "version");
    },
  );

  it.each([hex(16), hex(32), hex(40), hex(64), "0000000000000000", "1234567890123456"])(
    "reserves the digest-like %j",
    (alias) => {
      expectRejected(() => validateAlias(alias), "RESERVED_ALIAS", "digest", "reserved");
    },
  );

  it("reserves every vN (property)", () => {
    fc.assert(
      fc.property(fc.nat(), (n) => {
        expectThrowsCode(() => validateAlias(`v${n}`), "RESERVED_ALIAS");
      }),
    );
  });
});

describe("validateTag", () => {
  it.each(["a", "baseline", "exp-1.2_b", "T".repeat(MAX_TAG_LENGTH)])("accepts %j", (tag) => {
    expect(validateTag(tag)).toBe(tag);
  });

  it.each([
    ["", "empty"],
    ["a b", "U+0020"],
    ["a/b", '"/"'],
    ["a:b", '":"'],
    ["é", '"é"'],
    ["T".repeat(MAX_TAG_LENGTH + 1), "65 characters"],
  ])("rejects %j (%s)", (tag, why) => {
    expectRejected(() => validateTag(tag), "INVALID_TAG", why, "A tag is");
  });
});

describe("validateProjectName", () => {
  it.each([
    "my-project",
    "ejemplo-artefactos",
    "Proj_1.2",
    "a",
    "a.",
    "-x",
    "p".repeat(MAX_PROJECT_NAME_LENGTH),
  ])("accepts %j", (project) => {
    expect(validateProjectName(project)).toBe(project);
  });

  it.each([
    ["", "empty"],
    [".hidden", 'starts with "."'],
    [".", 'starts with "."'],
    ["..", 'starts with "."'],
    ["a/b", '"/"'],
    ["a b", "U+0020"],
    ["p".repeat(MAX_PROJECT_NAME_LENGTH + 1), "129 characters"],
  ])("rejects %j (%s)", (project, why) => {
    expectRejected(() => validateProjectName(project), "INVALID_PROJECT", why, "A project name is");
  });
});

describe("validateEntityName", () => {
  it.each(["my-entity", "team_1", "0day", "a", "e".repeat(MAX_ENTITY_NAME_LENGTH)])(
    "accepts %j",
    (entity) => {
      expect(validateEntityName(entity)).toBe(entity);
    },
  );

  it.each([
    ["", "empty"],
    ["MyTeam", '"M"'],
    ["-team", "start with"],
    ["_team", "start with"],
    ["a.b", '"."'],
    ["a/b", '"/"'],
    ["e".repeat(MAX_ENTITY_NAME_LENGTH + 1), "65 characters"],
  ])("rejects %j (%s)", (entity, why) => {
    expectRejected(() => validateEntityName(entity), "INVALID_ENTITY", why, "lowercase letters");
  });
});

describe("version labels", () => {
  it.each([
    ["v0", true],
    ["v12", true],
    ["v007", true],
    ["v", false],
    ["V1", false],
    ["v-1", false],
    ["v1.0", false],
    ["1", false],
    ["latest", false],
  ] as const)("isVersionAlias(%j) is %s", (s, expected) => {
    expect(isVersionAlias(s)).toBe(expected);
  });

  it.each([
    ["v0", 0],
    ["v3", 3],
    ["v42", 42],
    [`v${Number.MAX_SAFE_INTEGER}`, Number.MAX_SAFE_INTEGER],
    ["v007", undefined],
    ["v00", undefined],
    ["v", undefined],
    ["3", undefined],
    ["latest", undefined],
    ["v1e3", undefined],
    ["v99999999999999999999", undefined],
  ] as const)("parseVersionAlias(%j) is %s", (s, expected) => {
    expect(parseVersionAlias(s)).toBe(expected);
  });

  it("formats and parses back every version number (property)", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const label = formatVersionAlias(n);
        expect(label).toBe(`v${n}`);
        expect(parseVersionAlias(label)).toBe(n);
        expect(isVersionAlias(label)).toBe(true);
      }),
    );
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])(
    "formatVersionAlias(%s) throws INVALID_INPUT",
    (n) => {
      expectRejected(() => formatVersionAlias(n), "INVALID_INPUT", "non-negative integers");
    },
  );
});

describe("isDigestLike", () => {
  it.each([
    [hex(16), true],
    [hex(64), true],
    [hex(15), false],
    [hex(65), false],
    [hex(16).toUpperCase().replace(/[0-9]/g, "A"), false],
    [`${hex(15)}g`, false],
    ["latest", false],
    ["", false],
  ] as const)("isDigestLike(%j) is %s", (s, expected) => {
    expect(isDigestLike(s)).toBe(expected);
  });
});
