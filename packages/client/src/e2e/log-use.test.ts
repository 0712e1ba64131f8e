import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { Artifact } from "../index.js";
import { describeE2E } from "./harness.test-helpers.js";

await describeE2E("log, use and download (seed examples)", (env) => {
  it("logs my-dataset.txt, uses my-dataset:latest and downloads it; identical re-log uploads nothing", async () => {
    const { cairn, dir } = env();
    const file = join(dir, "my-dataset.txt");
    await writeFile(file, "rows,1\nrows,2\n");

    const producer = await cairn.init({ jobType: "upload-dataset" });
    const artifact = new Artifact({ name: "my-dataset", type: "dataset" });
    artifact.addFile(file);
    const handle = producer.logArtifact(artifact);
    const first = await handle.result();
    expect(first.created).toBe(true);
    expect(first.uploadedFiles).toBe(1);
    expect(first.uploadedBytes).toBe(14);
    expect(first.artifact.version).toBe("v0");
    expect(first.artifact.aliases).toContain("latest");

    const consumer = await cairn.init({ jobType: "train" });
    const used = await consumer.useArtifact("my-dataset:latest");
    expect(used.version).toBe("v0");
    expect(used.manifest.entries.map((e) => e.path)).toEqual(["my-dataset.txt"]);
    const root = await used.download({ root: join(dir, "dl") });
    expect(await readFile(join(root, "my-dataset.txt"), "utf8")).toBe("rows,1\nrows,2\n");
    expect(used.lastDownload).toMatchObject({ fetched: 1, present: 0 });

    // Unchanged: same version, nothing uploaded.
    const again = await producer.logArtifact(artifact).result();
    expect(again).toMatchObject({ created: false, uploadedFiles: 0, uploadedBytes: 0 });
    expect(again.artifact.version).toBe("v0");

    // Changed: v1.
    await writeFile(file, "rows,1\nrows,2\nrows,3\n");
    const changed = new Artifact({ name: "my-dataset", type: "dataset" });
    changed.addFile(file);
    const v1 = await producer.logArtifact(changed).result();
    expect(v1.created).toBe(true);
    expect(v1.artifact.version).toBe("v1");
    expect((await cairn.api().artifact("my-dataset:latest")).version).toBe("v1");
    expect((await cairn.api().artifact("admin/default/my-dataset:v0")).digest).toBe(
      first.artifact.digest,
    );
    await producer.finish();
    expect(producer.info.state).toBe("finished");
  });

  it("downloads again from what is present, then from the cache only", async () => {
    const { cairn, dir, newCairn } = env();
    await mkdir(join(dir, "many"), { recursive: true });
    for (let i = 0; i < 5; i++) await writeFile(join(dir, "many", `f${i}.txt`), `file ${i}`);
    const run = await cairn.init({ jobType: "upload" });
    const a = new Artifact({ name: "many", type: "dataset" });
    a.addDir(join(dir, "many"), { name: "data" });
    const logged = await run.logArtifact(a).wait();

    const root = join(dir, "many-dl");
    await logged.download({ root });
    expect(logged.lastDownload).toMatchObject({ fetched: 5, present: 0 });
    await logged.download({ root });
    expect(logged.lastDownload).toMatchObject({ fetched: 0, present: 5 });
    // Another directory: served from the blob cache by link, nothing fetched.
    await logged.download({ root: join(dir, "many-dl2") });
    expect(logged.lastDownload).toMatchObject({ fetched: 0, fromCache: 5 });
    expect(await readFile(join(dir, "many-dl2", "data", "f3.txt"), "utf8")).toBe("file 3");
    expect(await logged.verify(join(dir, "many-dl2"))).toEqual({ ok: true, problems: [] });

    // A client with an empty cache and skipCache still verifies and writes every file.
    const other = newCairn();
    const fetched = await other.api().artifact("many:latest");
    const plain = await fetched.download({ root: join(dir, "many-dl3"), skipCache: true });
    expect(fetched.lastDownload).toMatchObject({ fetched: 5 });
    expect(existsSync(join(plain, "data", "f0.txt"))).toBe(true);
    await writeFile(join(dir, "many-dl3", "extra.txt"), "x");
    const report = await fetched.verify(plain);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ path: "extra.txt", problem: "extra" }]);
  });
});
