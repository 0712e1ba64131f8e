import { describe, expectTypeOf, it } from "vitest";
import type {
  Api,
  Cairn,
  LoggedArtifact,
  LoggedEntry,
  LogHandle,
  RouterInputs,
  RouterOutputs,
  Run,
  RunInfo,
  VersionInfo,
} from "./index.js";

// Checked by `tsc --noEmit` (the assertions are types); the runtime test only keeps vitest happy.
describe("types inferred from the server's router", () => {
  it("api.artifact() resolves to a logged artifact whose fields come from artifacts.get", () => {
    type Fetched = Awaited<ReturnType<Api["artifact"]>>;
    expectTypeOf<Fetched>().toEqualTypeOf<LoggedArtifact>();
    expectTypeOf<Fetched["version"]>().toEqualTypeOf<string>();
    expectTypeOf<Fetched["info"]>().toEqualTypeOf<RouterOutputs["artifacts"]["get"]>();
    expectTypeOf<VersionInfo["aliases"]>().toEqualTypeOf<string[]>();
    expectTypeOf<VersionInfo["state"]>().toEqualTypeOf<"committed" | "deleted">();
    expectTypeOf<Fetched["getPath"]>().returns.toEqualTypeOf<LoggedEntry>();
  });

  it("runs and inputs follow the runs router", () => {
    expectTypeOf<Awaited<ReturnType<Cairn["init"]>>>().toEqualTypeOf<Run>();
    expectTypeOf<Run["info"]>().toEqualTypeOf<RunInfo>();
    expectTypeOf<RunInfo>().toEqualTypeOf<RouterOutputs["runs"]["get"]>();
    expectTypeOf<Parameters<Cairn["init"]>[0]["resume"]>().toEqualTypeOf<
      RouterInputs["runs"]["init"]["resume"]
    >();
    expectTypeOf<Awaited<ReturnType<Api["runs"]>>>().toEqualTypeOf<Run[]>();
  });

  it("logArtifact returns a non-thenable handle whose wait() gives the logged artifact", () => {
    expectTypeOf<ReturnType<Run["logArtifact"]>>().toEqualTypeOf<LogHandle>();
    expectTypeOf<LogHandle>().not.toHaveProperty("then");
    expectTypeOf<LogHandle["wait"]>().returns.resolves.toEqualTypeOf<LoggedArtifact>();
    expectTypeOf<Awaited<ReturnType<Api["diff"]>>>().toEqualTypeOf<
      RouterOutputs["artifacts"]["diff"]
    >();
  });
});
