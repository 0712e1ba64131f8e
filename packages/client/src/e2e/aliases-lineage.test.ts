import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isCairnError } from "@cairn/core";
import { expect, it } from "vitest";
import { Artifact, Table } from "../index.js";
import { describeE2E } from "./harness.test-helpers.js";

await describeE2E("aliases, edits, lineage, sweeps and drafts", (env) => {
  it("sets aliases on log, edits and saves them, and deletes only with deleteAliases", async () => {
    const { cairn, dir } = env();
    const run = await cairn.init({ jobType: "train" });
    const file = join(dir, "model.h5");
    await writeFile(file, "weights-1");
    const a = new Artifact({ name: "detector", type: "model", description: "first" });
    a.addFile(file);
    const v0 = await run.logArtifact(a, { aliases: ["best-ap50"], tags: ["exp"] }).wait();
    expect(v0.aliases).toEqual(["best-ap50", "latest"]);
    expect(v0.tags).toEqual(["exp"]);

    v0.description = "the best so far";
    v0.metadata = { ap50: 0.71 };
    v0.aliases = ["production", "latest"];
    await v0.save();
    const fetched = await cairn.api().artifact("detector:production");
    expect(fetched.version).toBe("v0");
    expect(fetched.description).toBe("the best so far");
    expect(fetched.metadata).toEqual({ ap50: 0.71 });
    expect(fetched.aliases).toEqual(["latest", "production"]);
    await expect(cairn.api().artifact("detector:best-ap50")).rejects.toSatisfy((e) =>
      isCairnError(e, "NOT_FOUND"),
    );

    fetched.aliases = [...fetched.aliases, "v3"];
    await expect(fetched.save()).rejects.toSatisfy((e) => isCairnError(e, "RESERVED_ALIAS"));
    await expect(fetched.delete()).rejects.toSatisfy((e) =>
      isCairnError(e, "ALIASES_STILL_ATTACHED"),
    );
    await fetched.delete({ deleteAliases: true });
    await expect(cairn.api().artifact("detector:v0")).rejects.toSatisfy((e) =>
      isCairnError(e, "NOT_FOUND"),
    );
  });

  it("walks lineage one step both ways and reads tables back", async () => {
    const { cairn } = env();
    const producer = await cairn.init({ jobType: "make-table" });
    const a = new Artifact({ name: "scores", type: "result" });
    a.add(
      new Table({
        columns: ["id", "score"],
        data: [
          [1, 0.5],
          [2, 0.75],
        ],
      }),
      "tables/scores",
    );
    const logged = await producer.logArtifact(a).wait();
    const consumer = await cairn.init({ jobType: "evaluate" });
    const used = await consumer.useArtifact("scores:latest");

    expect((await used.loggedBy())?.id).toBe(producer.id);
    expect((await used.usedBy()).map((r) => r.id)).toEqual([consumer.id]);
    expect((await producer.loggedArtifacts()).map((x) => x.qualifiedName)).toEqual([
      logged.qualifiedName,
    ]);
    expect((await consumer.usedArtifacts()).map((x) => x.qualifiedName)).toEqual([
      logged.qualifiedName,
    ]);

    const table = await used.get("tables/scores");
    expect(table).toBeInstanceOf(Table);
    expect((table as Table).column("score")).toEqual([0.5, 0.75]);

    // Using an Artifact object logs it first (idempotent: the same version).
    const again = await consumer.useArtifact(a);
    expect(again.version).toBe(logged.version);
  });

  it("finds the best run of a sweep by a summary metric and fetches its artifacts", async () => {
    const { cairn, dir } = env();
    const accuracies = [0.61, 0.93, 0.77];
    for (const [i, acc] of accuracies.entries()) {
      const run = await cairn.init({ jobType: "train", sweep: "sweep-1", config: { lr: i } });
      const file = join(dir, `sweep-model-${i}.bin`);
      await writeFile(file, `model ${i}`);
      const m = new Artifact({ name: "sweep-model", type: "model" });
      m.addFile(file, { name: "model.bin" });
      await run.logArtifact(m).wait();
      await run.update({ summary: { val_acc: acc } });
      await run.finish();
    }
    const [best, ...rest] = await cairn
      .api()
      .runs({ sweep: "sweep-1", orderBy: "-summary.val_acc" });
    expect(rest).toHaveLength(2);
    expect(best!.summary.val_acc).toBe(0.93);
    expect(best!.config).toEqual({ lr: 1 });
    const [model] = await best!.loggedArtifacts();
    const root = await model!.download({ root: join(dir, "best") });
    expect(model!.lastDownload?.fetched ?? 0).toBeLessThanOrEqual(1);
    const { readFile } = await import("node:fs/promises");
    expect(await readFile(join(root, "model.bin"), "utf8")).toBe("model 1");
  });

  it("newDraft starts from the version's entries to log the next version by difference", async () => {
    const { cairn, dir } = env();
    const run = await cairn.init({ jobType: "edit" });
    for (const n of ["a", "b", "c"]) await writeFile(join(dir, `nd-${n}.txt`), `content ${n}`);
    const first = new Artifact({ name: "by-diff", type: "dataset" });
    for (const n of ["a", "b"]) first.addFile(join(dir, `nd-${n}.txt`), { name: `${n}.txt` });
    const v0 = await run.logArtifact(first).wait();

    const draft = v0.newDraft();
    draft.remove("a.txt");
    draft.addFile(join(dir, "nd-c.txt"), { name: "c.txt" });
    const result = await run.logArtifact(draft).result();
    expect(result.artifact.version).toBe("v1");
    expect(result.uploadedFiles).toBe(1); // only c.txt: b.txt was carried over
    expect(result.artifact.manifest.entries.map((e) => e.path)).toEqual(["b.txt", "c.txt"]);
    const diff = await cairn.api().diff("by-diff:v0", "by-diff:v1");
    expect(diff.added.map((e) => e.path)).toEqual(["c.txt"]);
    expect(diff.removed.map((e) => e.path)).toEqual(["a.txt"]);
  });
});
