import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { Artifact } from "../index.js";
import { describeE2E } from "./harness.test-helpers.js";

/** A fetch that records the tRPC procedures each request names (batched ones split on ","). */
function recordingFetch(): { fetch: typeof fetch; procedures: string[] } {
  const procedures: string[] = [];
  const wrapped = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const at = url.pathname.indexOf("/trpc/");
    if (at >= 0) procedures.push(...url.pathname.slice(at + 6).split(","));
    return fetch(input, init);
  }) as typeof fetch;
  return { fetch: wrapped, procedures };
}

await describeE2E("client fast paths (unchanged re-log, downloads)", (env) => {
  it("re-logs unchanged contents with artifacts.relog: no blobs.missing, no entries sent, aliases in order", async () => {
    const { dir, newCairn } = env();
    const rec = recordingFetch();
    const cairn = newCairn({ fetch: rec.fetch });
    const folder = join(dir, "relog");
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < 3; i++) await writeFile(join(folder, `f${i}.txt`), `relog ${i}`);
    const run = await cairn.init({ jobType: "relog" });
    const make = (): Artifact => {
      const a = new Artifact({ name: "relogged", type: "dataset" });
      a.addDir(folder);
      return a;
    };
    const v0 = await run.logArtifact(make()).result();
    expect(v0.created).toBe(true);
    await writeFile(join(folder, "f0.txt"), "changed");
    const v1 = await run.logArtifact(make()).result();
    expect(v1.artifact.version).toBe("v1");
    await writeFile(join(folder, "f0.txt"), "relog 0");

    rec.procedures.length = 0;
    // Back to v0's contents: `latest` (and the new alias) move back to v0, no v2 is made.
    const again = run.logArtifact(make(), { aliases: ["best"] });
    const result = await again.result();
    expect(result).toMatchObject({ created: false, uploadedFiles: 0, uploadedBytes: 0 });
    expect(result.artifact.version).toBe("v0");
    expect(rec.procedures).toContain("artifacts.relog");
    expect(rec.procedures).not.toContain("blobs.missing");
    expect(rec.procedures).not.toContain("artifacts.log");
    const latest = await cairn.api().artifact("relogged:latest");
    expect(latest.version).toBe("v0");
    expect([...latest.aliases].sort()).toEqual(["best", "latest"]);
    await run.finish();
  });

  it("downloads cold through fileUrlsBatch and warm from the cache without asking for URLs", async () => {
    const { dir, cairn, newCairn } = env();
    const folder = join(dir, "dl-src");
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < 4; i++) await writeFile(join(folder, `g${i}.txt`), `download ${i}`);
    // One duplicate blob: fetched once, linked twice.
    await writeFile(join(folder, "dup.txt"), "download 1");
    const run = await cairn.init({ jobType: "upload" });
    const a = new Artifact({ name: "downloaded", type: "dataset" });
    a.addDir(folder);
    await run.logArtifact(a).wait();
    await run.finish();

    const rec = recordingFetch();
    const reader = newCairn({ fetch: rec.fetch });
    const version = await reader.api().artifact("downloaded:latest");
    await version.download({ root: join(dir, "cold") });
    expect(version.lastDownload).toMatchObject({ fetched: 4, fromCache: 0, present: 0 });
    expect(rec.procedures).toContain("artifacts.fileUrlsBatch");
    expect(await readFile(join(dir, "cold", "dup.txt"), "utf8")).toBe("download 1");

    rec.procedures.length = 0;
    await version.download({ root: join(dir, "warm") });
    expect(version.lastDownload).toMatchObject({ fetched: 0, fromCache: 5, present: 0 });
    expect(rec.procedures).not.toContain("artifacts.fileUrlsBatch");
    expect(await readFile(join(dir, "warm", "g3.txt"), "utf8")).toBe("download 3");
  });
});
