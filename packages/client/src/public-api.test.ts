import { describe, expect, expectTypeOf, it } from "vitest";
import * as sdk from "./index.js";
import * as internal from "./internal.js";

/**
 * The values `@cairn/client` exports: the user-facing SDK and nothing else. A building block of
 * the CLI (transport, caches, config file, hasher, resolvers) belongs in `@cairn/client/internal`;
 * adding one here fails this test on purpose — a public export is a promise to users.
 */
const PUBLIC_VALUES = [
  "Api",
  "Artifact",
  "ArtifactManifest",
  "Cairn",
  "CairnError",
  "ERRORS",
  "ERROR_CODES",
  "LogHandle",
  "LoggedArtifact",
  "PartitionedTable",
  "Run",
  "Table",
  "isCairnError",
  "verifyWebhook",
];

describe("the public API of @cairn/client", () => {
  it("exports exactly the user-facing values", () => {
    expect(Object.keys(sdk).sort()).toEqual([...PUBLIC_VALUES].sort());
  });

  it("shares no export with @cairn/client/internal", () => {
    const publicNames = new Set(Object.keys(sdk));
    expect(Object.keys(internal).filter((name) => publicNames.has(name))).toEqual([]);
  });

  it("types error codes: isCairnError narrows to the code table's keys", () => {
    expectTypeOf<Parameters<typeof sdk.isCairnError>[1]>().toEqualTypeOf<
      sdk.CairnErrorCode | undefined
    >();
    expectTypeOf<sdk.CairnError["code"]>().toEqualTypeOf<sdk.CairnErrorCode>();
    expectTypeOf<keyof typeof sdk.ERRORS>().toEqualTypeOf<sdk.CairnErrorCode>();
    // @ts-expect-error an unknown code is a type error, not a silent false
    sdk.isCairnError(new Error("x"), "NO_SUCH_CODE");
  });
});
