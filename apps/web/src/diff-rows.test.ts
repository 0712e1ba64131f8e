import { describe, expect, it } from "vitest";
import { type ChangeKind, diffRows, metadataDiff } from "./diff-rows.js";

const side = (path: string) => ({ path, digest: `d-${path}`, size: 1, ref: null, extra: null });
const diff = {
  a: { id: "a", version: "v0", digest: "x" },
  b: { id: "b", version: "v1", digest: "y" },
  added: [side("img/b.png"), side("z.txt")],
  removed: [side("img/a.png")],
  changed: [{ path: "data/t.csv", before: side("data/t.csv"), after: side("data/t.csv") }],
  totals: { added: 2, removed: 1, changed: 1, addedBytes: 2, removedBytes: 1 },
  truncated: false,
} as unknown as Parameters<typeof diffRows>[0];
const all = new Set<ChangeKind>(["added", "removed", "changed"]);

describe("diffRows", () => {
  it("merges the three lists in path order and filters by kind", () => {
    expect(diffRows(diff, all, false).map((r) => `${r.kind} ${r.path}`)).toEqual([
      "changed data/t.csv",
      "removed img/a.png",
      "added img/b.png",
      "added z.txt",
    ]);
    expect(diffRows(diff, new Set(["added"]), false).map((r) => r.path)).toEqual([
      "img/b.png",
      "z.txt",
    ]);
  });

  it("groups by folder under counted headings", () => {
    expect(
      diffRows(diff, all, true).map((r) =>
        r.kind === "folder" ? `[${r.path}] ${r.count}` : r.path,
      ),
    ).toEqual(["[] 1", "z.txt", "[data] 1", "data/t.csv", "[img] 2", "img/a.png", "img/b.png"]);
  });
});

describe("metadataDiff", () => {
  it("lists added, removed and changed top-level keys", () => {
    expect(
      metadataDiff({ rows: 1, src: "a", same: [1] }, { rows: 2, same: [1], batches: 2 }),
    ).toEqual([
      { key: "batches", kind: "added", after: 2 },
      { key: "rows", kind: "changed", before: 1, after: 2 },
      { key: "src", kind: "removed", before: "a" },
    ]);
  });
});
