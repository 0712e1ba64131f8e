import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { changeFiles, durableCopy, generateDataset } from "./dataset.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("generateDataset and changeFiles", () => {
  it("writes the same seeded bytes every time, changes a fraction and restores it", async () => {
    const a = await mkdtemp(join(tmpdir(), "bench-ds-"));
    const b = await mkdtemp(join(tmpdir(), "bench-ds-"));
    dirs.push(a, b);
    const da = await generateDataset(a, 200, 64, 1);
    await generateDataset(b, 200, 64, 1);
    expect(da.files).toHaveLength(200);
    expect(da.totalBytes).toBe(200 * 64);
    const first = da.files[0]!;
    expect(await readFile(join(a, first))).toEqual(await readFile(join(b, first)));
    expect(await readFile(join(a, first))).not.toEqual(await readFile(join(a, da.files[1]!)));

    const before = await Promise.all(da.files.map((f) => readFile(join(a, f))));
    const change = await changeFiles(da, 0.05, 9);
    expect(change.changed).toHaveLength(10);
    expect(change.changedBytes).toBe(10 * 64);
    const after = await Promise.all(da.files.map((f) => readFile(join(a, f))));
    const differing = da.files.filter((_, i) => !before[i]!.equals(after[i]!));
    expect(differing.sort()).toEqual([...change.changed].sort());
    await change.restore();
    const restored = await Promise.all(da.files.map((f) => readFile(join(a, f))));
    expect(restored.every((buf, i) => buf.equals(before[i]!))).toBe(true);
  });

  it("fans files out over directories of filesPerDir", async () => {
    const root = await mkdtemp(join(tmpdir(), "bench-ds-"));
    dirs.push(root);
    const ds = await generateDataset(root, 25, 16, 2, { filesPerDir: 10, concurrency: 4 });
    const perDir = new Map<string, number>();
    for (const f of ds.files) perDir.set(f.split("/")[0]!, (perDir.get(f.split("/")[0]!) ?? 0) + 1);
    expect([...perDir.values()]).toEqual([10, 10, 5]);
    expect((await readdir(join(root, ds.files[24]!.split("/")[0]!))).length).toBe(5);
  });

  it("durableCopy writes every file's bytes into the target and counts them", async () => {
    const root = await mkdtemp(join(tmpdir(), "bench-ds-"));
    const target = await mkdtemp(join(tmpdir(), "bench-ds-"));
    dirs.push(root, target);
    const ds = await generateDataset(root, 25, 16, 3, { filesPerDir: 10 });
    expect(await durableCopy(ds, join(target, "copy"))).toBe(25 * 16);
    for (const file of ds.files) {
      expect(await readFile(join(target, "copy", file))).toEqual(await readFile(join(root, file)));
    }
    await expect(durableCopy(ds, join(target, "copy"))).rejects.toThrow(/EEXIST/);
  });
});
