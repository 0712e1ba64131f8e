import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Artifact } from "../index.js";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("Artifact.addLoggedEntries (the start of newDraft)", () => {
  const carried = [
    { path: "a.txt", digest: sha("a"), size: 1 },
    { path: "dir/b.txt", digest: sha("b"), size: 1 },
    {
      path: "ref.csv",
      digest: "etag-1",
      size: 9,
      ref: "https://example.com/ref.csv",
      extra: { etag: "etag-1" },
    },
  ];

  it("keeps carried entries without local files, alongside new and removed ones", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cairn-carry-"));
    await writeFile(join(dir, "c.txt"), "c");
    const draft = new Artifact({ name: "d", type: "dataset" });
    draft.addLoggedEntries(carried);
    draft.addLoggedEntries(carried.slice(0, 1)); // identical again: a no-op
    draft.remove("dir");
    draft.addFile(join(dir, "c.txt"));
    const entries = await draft.resolveEntries();
    expect(entries).toEqual([carried[0], { path: "c.txt", digest: sha("c"), size: 1 }, carried[2]]);
    expect(draft.localPathOf("a.txt")).toBeUndefined();
    expect(draft.localPathOf("c.txt")).toBe(join(dir, "c.txt"));
  });

  it("refuses different contents at a carried path unless overwrite", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cairn-carry-"));
    await writeFile(join(dir, "a.txt"), "new a");
    const draft = new Artifact({ name: "d", type: "dataset" });
    draft.addLoggedEntries(carried);
    expect(() => draft.addFile(join(dir, "a.txt"))).toThrow(
      expect.objectContaining({ code: "DUPLICATE_PATH" }),
    );
    draft.addFile(join(dir, "a.txt"), { overwrite: true });
    const entries = await draft.resolveEntries();
    expect(entries.find((e) => e.path === "a.txt")?.digest).toBe(sha("new a"));
  });
});
