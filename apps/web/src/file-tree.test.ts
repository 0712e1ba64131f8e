import { describe, expect, it } from "vitest";
import { flattenFileTree } from "./file-tree.js";

const entry = (path: string, size: number | null) => ({ path, digest: `d-${path}`, size });

describe("flattenFileTree", () => {
  const entries = [
    entry("b.txt", 5),
    entry("data/z.csv", 10),
    entry("data/a.csv", 20),
    entry("data/nested/x.bin", 100),
    entry("a.txt", null),
  ];

  it("lists directories first, then files, each by name, with subtree totals", () => {
    const rows = flattenFileTree(entries, new Set());
    expect(rows.map((r) => `${r.depth}:${r.kind}:${r.path}`)).toEqual([
      "0:dir:data",
      "1:dir:data/nested",
      "2:file:data/nested/x.bin",
      "1:file:data/a.csv",
      "1:file:data/z.csv",
      "0:file:a.txt",
      "0:file:b.txt",
    ]);
    const data = rows[0];
    expect(data).toMatchObject({ kind: "dir", files: 3, bytes: 130, open: true });
  });

  it("hides the contents of collapsed directories but keeps their row", () => {
    const rows = flattenFileTree(entries, new Set(["data/nested"]));
    expect(rows.map((r) => r.path)).not.toContain("data/nested/x.bin");
    expect(rows.find((r) => r.path === "data/nested")).toMatchObject({ open: false, files: 1 });
    expect(flattenFileTree(entries, new Set(["data"])).map((r) => r.path)).toEqual([
      "data",
      "a.txt",
      "b.txt",
    ]);
  });

  it("prefers the server's folder totals over sums of the loaded page", () => {
    const totals = new Map([["data", { files: 1930, bytes: 9_000_000 }]]);
    const rows = flattenFileTree(entries, new Set(), totals);
    expect(rows[0]).toMatchObject({ path: "data", files: 1930, bytes: 9_000_000 });
    // Folders the totals do not name fall back to the loaded sums.
    expect(rows[1]).toMatchObject({ path: "data/nested", files: 1, bytes: 100 });
  });
});
