import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { Artifact } from "../index.js";
import { describeE2E } from "./harness.test-helpers.js";

const sha256 = (bytes: string) => createHash("sha256").update(bytes).digest("hex");

/** Counts byte requests by route; `alter` may rewrite a bundle answer (faults). */
function countingFetch(alter?: (response: Response, call: number) => Promise<Response>) {
  const counts = { bundles: 0, blobs: 0, bundleDigests: [] as string[][] };
  const wrapped = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname === "/bundles/get") {
      counts.bundles++;
      counts.bundleDigests.push(JSON.parse(String(init?.body)).digests);
      const response = await fetch(input, init);
      return alter ? alter(response, counts.bundles) : response;
    }
    if (url.pathname.startsWith("/blobs/") && (init?.method ?? "GET") === "GET") counts.blobs++;
    return fetch(input, init);
  }) as typeof fetch;
  return { fetch: wrapped, counts };
}

/** Logs `count` small distinct files (plus one duplicate) and returns their contents by path. */
async function logSmallFiles(
  env: ReturnType<Parameters<Parameters<typeof describeE2E>[1]>[0]>,
  name: string,
  count: number,
): Promise<Record<string, string>> {
  const folder = join(env.dir, `${name}-src`);
  await mkdir(join(folder, "sub"), { recursive: true });
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`sub/f${i}.txt`] = `${name} small file ${i} `.repeat(i + 1);
  files["dup.txt"] = files["sub/f1.txt"]!;
  for (const [path, text] of Object.entries(files)) await writeFile(join(folder, path), text);
  const run = await env.cairn.init({ jobType: "upload" });
  const artifact = new Artifact({ name, type: "dataset" });
  artifact.addDir(folder);
  await run.logArtifact(artifact).wait();
  await run.finish();
  return files;
}

await describeE2E("bundled downloads of small files", (env, engine) => {
  it("fetches many small files in one bundle request (server store) and places exact bytes", async () => {
    const files = await logSmallFiles(env(), "bundled", 120);
    const rec = countingFetch();
    const reader = env().newCairn({ fetch: rec.fetch });
    const version = await reader.api().artifact("bundled:latest");
    const root = join(env().dir, "bundled-out");
    await version.download({ root });
    expect(version.lastDownload).toMatchObject({ fetched: 120, fromCache: 0, present: 0 });
    for (const [path, text] of Object.entries(files)) {
      expect(await readFile(join(root, path), "utf8")).toBe(text);
    }
    if (engine.blobs === "fs" || engine.packs) {
      // 120 distinct blobs: one bundle, no per-blob GET (packed blobs are only served this way).
      expect(rec.counts).toMatchObject({ bundles: 1, blobs: 0 });
      expect(rec.counts.bundleDigests[0]).toHaveLength(120);
    } else {
      // A bucket serves presigned GETs: no bundles through the server.
      expect(rec.counts).toMatchObject({ bundles: 0, blobs: 0 });
    }
  });

  it("names the file whose blob arrives corrupt inside a bundle", async () => {
    if (engine.blobs !== "fs") return;
    const files = await logSmallFiles(env(), "corrupted", 10);
    let corrupted = "";
    const rec = countingFetch(async (response) => {
      const body = Buffer.from(await response.arrayBuffer());
      const newline = body.indexOf(10);
      corrupted = JSON.parse(body.subarray(0, newline).toString()).blobs[0].digest;
      body[newline + 1] = body[newline + 1]! ^ 0xff; // first byte of the first blob
      return new Response(body, { status: 200 });
    });
    const reader = env().newCairn({ fetch: rec.fetch });
    const version = await reader.api().artifact("corrupted:latest");
    const failure = await version.download({ root: join(env().dir, "corrupted-out") }).then(
      () => undefined,
      (error: unknown) => error as { code: string; message: string },
    );
    const paths = Object.keys(files).filter((p) => sha256(files[p]!) === corrupted);
    expect(paths.length).toBeGreaterThan(0);
    expect(failure?.code).toBe("DIGEST_MISMATCH");
    expect(failure?.message).toContain(`Corrupt download of ${paths.sort().join(", ")}:`);
    // Not retried: a corrupt blob is a fact, not a passing fault.
    expect(rec.counts.bundles).toBe(1);
  });

  it("retries a bundle cut short, asking only for the blobs not yet cached", async () => {
    if (engine.blobs !== "fs") return;
    const files = await logSmallFiles(env(), "cut", 40);
    const rec = countingFetch(async (response, call) => {
      if (call > 1) return response;
      const body = Buffer.from(await response.arrayBuffer());
      // Header plus about half of the blobs, then the connection "drops".
      const half = body.subarray(0, Math.floor(body.length * 0.6));
      let sent = false;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) controller.error(new TypeError("terminated"));
          else controller.enqueue(half);
          sent = true;
        },
      });
      return new Response(stream, { status: 200 });
    });
    const reader = env().newCairn({ fetch: rec.fetch });
    const version = await reader.api().artifact("cut:latest");
    const root = join(env().dir, "cut-out");
    await version.download({ root });
    expect(version.lastDownload).toMatchObject({ fetched: 40 });
    expect(rec.counts.bundles).toBe(2);
    const [first, second] = rec.counts.bundleDigests;
    expect(first).toHaveLength(40);
    expect(second!.length).toBeGreaterThan(0);
    expect(second!.length).toBeLessThan(40);
    for (const [path, text] of Object.entries(files)) {
      expect(await readFile(join(root, path), "utf8")).toBe(text);
    }
  });
});
