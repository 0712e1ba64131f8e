import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isCairnError } from "@cairn/core";
import { expect, it } from "vitest";
import { Artifact, type LogHandle } from "../index.js";
import { describeE2E } from "./harness.test-helpers.js";

await describeE2E("ordered logs and errors", (env) => {
  it("numbers versions logged in a loop (not awaited) in call order", async () => {
    const { cairn, dir } = env();
    const run = await cairn.init({ jobType: "loop" });
    const handles: LogHandle[] = [];
    // Files first: a log started between two awaited writes could finish before the loop ends
    // (the packed store commits small blobs fast), and `pending` is asserted right after the loop.
    for (let i = 0; i < 10; i++) {
      // Later artifacts are smaller, so they finish hashing and uploading first.
      await writeFile(join(dir, `loop-${i}.bin`), Buffer.alloc((10 - i) * 50_000, i + 1));
    }
    for (let i = 0; i < 10; i++) {
      const file = join(dir, `loop-${i}.bin`);
      const a = new Artifact({ name: "looped", type: "dataset", metadata: { index: i } });
      a.addFile(file, { name: "data.bin" });
      handles.push(run.logArtifact(a));
    }
    expect(handles[0]!.state).toBe("pending");
    const logged = await Promise.all(handles.map((h) => h.wait()));
    expect(logged.map((a) => a.version)).toEqual(logged.map((_, i) => `v${i}`));
    for (let i = 0; i < 10; i++) {
      const fetched = await cairn.api().artifact(`looped:v${i}`);
      expect(fetched.metadata).toEqual({ index: i });
    }
    expect(handles[9]!.state).toBe("logged");
    await run.finish();
  });

  it("translates server errors into CairnErrors with the domain code and message", async () => {
    const { cairn, dir, server } = env();
    const file = join(dir, "cats.txt");
    await writeFile(file, "meow");
    const run = await cairn.init({ jobType: "errors" });
    const cats = new Artifact({ name: "cats", type: "dataset" });
    cats.addFile(file);
    await run.logArtifact(cats).wait();
    const asModel = new Artifact({ name: "cats", type: "model" });
    asModel.addFile(file);
    const handle = run.logArtifact(asModel);
    const error = await handle.wait().catch((e: unknown) => e);
    expect(isCairnError(error, "NAME_TAKEN_BY_OTHER_TYPE")).toBe(true);
    expect(handle.state).toBe("failed");
    // finish() reports the failed log and marks the run failed.
    await expect(run.finish()).rejects.toSatisfy((e) =>
      isCairnError(e, "NAME_TAKEN_BY_OTHER_TYPE"),
    );
    expect(run.info.state).toBe("failed");

    await expect(cairn.api().artifact("cats:nope")).rejects.toSatisfy((e) =>
      isCairnError(e, "NOT_FOUND"),
    );
    await expect(cairn.api().artifact("bad name")).rejects.toSatisfy((e) =>
      isCairnError(e, "INVALID_REFERENCE"),
    );
    const anonymous = env().newCairn({ apiKey: "cairn_AAAAAAAAAAAA_wrong" });
    const denied = await anonymous.init({ jobType: "x" }).catch((e: unknown) => e);
    expect(isCairnError(denied, "UNAUTHORIZED")).toBe(true);
    expect(server.baseUrl).toMatch(/^http:/);
  });
});
