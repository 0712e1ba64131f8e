import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { Artifact } from "../index.js";
import { describeE2E } from "./harness.test-helpers.js";

// The naming table of seeds/001 (stored files), logged, fetched back and downloaded.
await describeE2E("seed naming table through the server", (env) => {
  it("stores every call's files at the table's paths and downloads them there", async () => {
    const { cairn, dir } = env();
    const src = join(dir, "naming");
    await mkdir(join(src, "checkpoints"), { recursive: true });
    await mkdir(join(src, "images"), { recursive: true });
    await writeFile(join(src, "model.h5"), "m1");
    await writeFile(join(src, "checkpoints", "model.h5"), "m1"); // same name and bytes: same entry
    await writeFile(join(src, "images", "cat.png"), "cat");
    await writeFile(join(src, "images", "dog.png"), "dog");

    const run = await cairn.init({ jobType: "naming" });
    const a = new Artifact({ name: "naming-table", type: "dataset" });
    a.addFile(join(src, "model.h5"));
    a.addFile(join(src, "checkpoints", "model.h5"));
    a.addFile(join(src, "model.h5"), { name: "models/mymodel.h5" });
    a.addDir(join(src, "images"));
    a.addDir(join(src, "images"), { name: "images" });
    const hello = a.newFile("hello.txt");
    await hello.write("hello");
    const logged = await run.logArtifact(a).result();
    // cat.png and dog.png appear twice, model.h5 three times: each distinct blob goes up once.
    expect(logged.uploadedFiles).toBe(4);

    const fetched = await cairn.api().artifact("naming-table:latest");
    expect(fetched.manifest.entries.map((e) => e.path)).toEqual([
      "cat.png",
      "dog.png",
      "hello.txt",
      "images/cat.png",
      "images/dog.png",
      "model.h5",
      "models/mymodel.h5",
    ]);
    const root = await fetched.download({ root: join(dir, "naming-dl") });
    expect(await readFile(join(root, "models", "mymodel.h5"), "utf8")).toBe("m1");
    expect(await readFile(join(root, "hello.txt"), "utf8")).toBe("hello");
    const one = await fetched.getPath("images/dog.png").download({ root: join(dir, "one") });
    expect(one).toBe(join(dir, "one", "images", "dog.png"));
    expect(await readFile(one, "utf8")).toBe("dog");
    expect(() => fetched.getPath("images/cat.png").ref()).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
    expect(() => fetched.getPath("nope.txt")).toThrow(
      expect.objectContaining({ code: "NOT_FOUND" }),
    );
  });
});
