import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeVersionDigest, isCairnError } from "@cairn/core";
import { beforeEach, describe, expect, it } from "vitest";
import { Artifact, PartitionedTable, Table } from "../index.js";

const sha = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");
const code = (c: string) => (e: unknown) => isCairnError(e) && e.code === c;

describe("Artifact (draft)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cairn-art-"));
    await mkdir(join(dir, "checkpoints"));
    await mkdir(join(dir, "images", "more"), { recursive: true });
    await writeFile(join(dir, "my-dataset.txt"), "dataset");
    await writeFile(join(dir, "checkpoints", "model.h5"), "weights");
    await writeFile(join(dir, "images", "cat.png"), "cat");
    await writeFile(join(dir, "images", "more", "dog.png"), "dog");
  });

  it("validates name, type and metadata", () => {
    expect(() => new Artifact({ name: "bad name", type: "dataset" })).toThrow(
      expect.objectContaining({ code: "INVALID_NAME" }),
    );
    expect(() => new Artifact({ name: "ok", type: "a/b" })).toThrow(
      expect.objectContaining({ code: "INVALID_TYPE" }),
    );
    // Untyped (JavaScript) callers can pass an array: refused at run time as well as by the types.
    // @ts-expect-error an array is not a metadata object
    expect(() => new Artifact({ name: "ok", type: "t", metadata: [] })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
    const a = new Artifact({
      name: "my-dataset",
      type: "dataset",
      description: "d",
      metadata: { rows: 3 },
    });
    expect([a.name, a.type, a.description, a.metadata, a.state]).toEqual([
      "my-dataset",
      "dataset",
      "d",
      { rows: 3 },
      "draft",
    ]);
  });

  it("builds the manifest from files, dirs, new files, tables and references (seed naming)", async () => {
    const a = new Artifact({ name: "my-dataset", type: "dataset" });
    expect(a.addFile(join(dir, "my-dataset.txt"))).toBe("my-dataset.txt");
    expect(a.addFile(join(dir, "checkpoints", "model.h5"), { name: "models/mymodel.h5" })).toBe(
      "models/mymodel.h5",
    );
    expect(a.addDir(join(dir, "images"), { name: "images" })).toEqual([
      "images/cat.png",
      "images/more/dog.png",
    ]);
    const writer = a.newFile("hello.txt");
    await writer.write("hi");
    void writer.write(" there"); // not awaited: resolveEntries waits for it
    a.add(new Table({ columns: ["a", "b"], data: [[1, 2]] }), "tables/t1");
    a.addReference(`file://${dir}/my-dataset.txt`, { name: "raw/ref.txt" });
    expect(() => a.manifest).toThrow(expect.objectContaining({ code: "DRAFT_NOT_READY" }));

    const entries = await a.resolveEntries();
    const tableJson = JSON.stringify({ _type: "table", columns: ["a", "b"], data: [[1, 2]] });
    expect(entries).toEqual([
      { path: "hello.txt", digest: sha("hi there"), size: 8 },
      { path: "images/cat.png", digest: sha("cat"), size: 3 },
      { path: "images/more/dog.png", digest: sha("dog"), size: 3 },
      { path: "models/mymodel.h5", digest: sha("weights"), size: 7 },
      { path: "my-dataset.txt", digest: sha("dataset"), size: 7 },
      { path: "raw/ref.txt", digest: sha("dataset"), size: 7, ref: `file://${dir}/my-dataset.txt` },
      { path: "tables/t1.table.json", digest: sha(tableJson), size: Buffer.byteLength(tableJson) },
    ]);
    expect(a.manifest.entries).toBe(entries);
    expect(a.manifest.digest).toBe(computeVersionDigest(entries));
    expect(a.localPathOf("models/mymodel.h5")).toBe(join(dir, "checkpoints", "model.h5"));
    expect(a.localPathOf("raw/ref.txt")).toBeUndefined();

    const table = await a.get("tables/t1");
    expect(table).toBeInstanceOf(Table);
    expect((table as Table).data).toEqual([[1, 2]]);
    expect(await a.get("nope")).toBeUndefined();

    a.cleanup();
    expect(existsSync(a.localPathOf("hello.txt")!)).toBe(false);
  });

  it("adding the same path twice: same contents is fine, different is DUPLICATE_PATH unless overwrite", async () => {
    await writeFile(join(dir, "same-size.txt"), "datasex"); // same size as my-dataset.txt, other bytes
    await writeFile(join(dir, "copy.txt"), "dataset"); // identical bytes
    const a = new Artifact({ name: "d", type: "dataset" });
    a.addFile(join(dir, "my-dataset.txt"), { name: "x.txt" });
    a.addFile(join(dir, "my-dataset.txt"), { name: "x.txt" }); // same source: no-op
    expect(() => a.addFile(join(dir, "images", "cat.png"), { name: "x.txt" })).toThrow(
      expect.objectContaining({ code: "DUPLICATE_PATH" }),
    );
    a.addFile(join(dir, "copy.txt"), { name: "x.txt" }); // same bytes: accepted
    expect(await a.resolveEntries()).toEqual([{ path: "x.txt", digest: sha("dataset"), size: 7 }]);

    a.addFile(join(dir, "same-size.txt"), { name: "x.txt" }); // same size: settled by digest
    await expect(a.resolveEntries()).rejects.toSatisfy(code("DUPLICATE_PATH"));
    a.addFile(join(dir, "same-size.txt"), { name: "x.txt", overwrite: true });
    expect(await a.resolveEntries()).toEqual([{ path: "x.txt", digest: sha("datasex"), size: 7 }]);

    a.add(new Table({ columns: ["a"] }), "t");
    expect(() => a.add(new Table({ columns: ["b"] }), "t")).toThrow(
      expect.objectContaining({ code: "DUPLICATE_PATH" }),
    );
    a.add(new PartitionedTable("parts"), "t", { overwrite: true });
    expect(await a.get("t")).toBeInstanceOf(PartitionedTable);
  });

  it("a reference colliding with a file is DUPLICATE_PATH; the later call wins with overwrite", async () => {
    const a = new Artifact({ name: "d", type: "dataset" });
    a.addFile(join(dir, "my-dataset.txt"), { name: "x.txt" });
    a.addReference(`file://${dir}/checkpoints/model.h5`, { name: "x.txt" });
    await expect(a.resolveEntries()).rejects.toSatisfy(code("DUPLICATE_PATH"));
    a.remove("x.txt"); // drops both the file and the reference named there
    expect(await a.resolveEntries()).toEqual([]);
    a.addFile(join(dir, "my-dataset.txt"), { name: "x.txt" });
    a.addReference(`file://${dir}/checkpoints/model.h5`, { name: "x.txt", overwrite: true });
    const [entry] = await a.resolveEntries();
    expect(entry).toMatchObject({ path: "x.txt", ref: `file://${dir}/checkpoints/model.h5` });
    a.addFile(join(dir, "images", "cat.png"), { name: "x.txt", overwrite: true });
    expect(await a.resolveEntries()).toEqual([{ path: "x.txt", digest: sha("cat"), size: 3 }]);
  });

  it("remove() drops a file, a folder, or entries a reference expands to", async () => {
    const a = new Artifact({ name: "d", type: "dataset" });
    a.addDir(join(dir, "images"));
    a.addFile(join(dir, "my-dataset.txt"));
    a.remove("more");
    a.addReference(`file://${dir}/checkpoints`, { name: "ckpt" });
    a.addReference(`file://${dir}/images`, { name: "refs" });
    a.remove("refs/more/dog.png");
    expect((await a.resolveEntries()).map((e) => e.path)).toEqual([
      "cat.png",
      "ckpt/model.h5",
      "my-dataset.txt",
      "refs/cat.png",
    ]);
    a.remove("ckpt");
    expect((await a.resolveEntries()).map((e) => e.path)).toEqual([
      "cat.png",
      "my-dataset.txt",
      "refs/cat.png",
    ]);

    const b = new Artifact({ name: "e", type: "dataset" });
    b.addFile(join(dir, "my-dataset.txt"));
    expect(() => b.remove("other.txt")).toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
  });

  it("refuses missing files, directories passed to addFile and unsafe names", () => {
    const a = new Artifact({ name: "d", type: "dataset" });
    expect(() => a.addFile(join(dir, "missing.txt"))).toThrow(
      expect.objectContaining({ code: "NOT_FOUND" }),
    );
    expect(() => a.addFile(join(dir, "images"))).toThrow(
      expect.objectContaining({ code: "INVALID_PATH" }),
    );
    expect(() => a.addFile(join(dir, "my-dataset.txt"), { name: "../escape" })).toThrow(
      expect.objectContaining({ code: "INVALID_PATH" }),
    );
    expect(() => a.newFile("/abs")).toThrow(expect.objectContaining({ code: "INVALID_PATH" }));
    expect(() => a.addReference("ftp://x/y")).toThrow(
      expect.objectContaining({ code: "INVALID_URI" }),
    );
  });

  it("a closed new file refuses writes", async () => {
    const a = new Artifact({ name: "d", type: "dataset" });
    const w = a.newFile("n.txt");
    await w.write("1");
    await w.close();
    await expect(w.write("2")).rejects.toSatisfy(code("INVALID_INPUT"));
    expect(await a.resolveEntries()).toEqual([{ path: "n.txt", digest: sha("1"), size: 1 }]);
    a.cleanup();
  });
});

describe("Artifact (logged version)", () => {
  const table = new Table({ columns: ["x"], data: [[1]] });
  const bytes = new TextEncoder().encode(JSON.stringify(table.toJSON()));
  const entries = [{ path: "t.table.json", digest: sha(bytes), size: bytes.length }];
  const version = {
    entity: "team",
    project: "proj",
    name: "ds",
    type: "dataset",
    number: 3,
    digest: computeVersionDigest(entries),
    aliases: ["latest"],
    description: null,
    metadata: {},
    entries,
  };

  it("exposes its manifest and reads tables through the injected reader", async () => {
    const read: string[] = [];
    const a = Artifact.fromVersion(version, async (entry) => {
      read.push(entry.path);
      return bytes;
    });
    expect(a.state).toBe("logged");
    expect(a.manifest).toEqual({ entries, digest: version.digest });
    expect(((await a.get("t")) as Table).data).toEqual([[1]]);
    expect(read).toEqual(["t.table.json"]);
    expect(await a.resolveEntries()).toBe(entries);
  });

  it("refuses content changes but allows description and metadata edits", () => {
    const a = Artifact.fromVersion(version);
    expect(() => a.newFile("x")).toThrow(expect.objectContaining({ code: "CONFLICT" }));
    expect(() => a.addReference("https://example.com/x")).toThrow(/ds:v3 is a logged version/);
    a.description = "now described";
    a.metadata = { k: 1 };
    expect([a.description, a.metadata]).toEqual(["now described", { k: 1 }]);
  });
});
