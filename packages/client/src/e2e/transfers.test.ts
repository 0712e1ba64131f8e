import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { Artifact, type ProgressEvent } from "../index.js";
import { describeE2E } from "./harness.test-helpers.js";

await describeE2E("uploads: retries, progress, multipart and big manifests", (env, engine) => {
  it("retries failed blob PUTs with backoff and reports upload progress", async () => {
    const { newCairn, dir } = env();
    const failedOnce = new Set<string>();
    let puts = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (init?.method === "PUT") {
        puts++;
        const url = String(input);
        if (!failedOnce.has(url)) {
          failedOnce.add(url);
          return new Response("try again", { status: 500 });
        }
      }
      return fetch(input, init);
    };
    const events: ProgressEvent[] = [];
    const cairn = newCairn({ fetch: flaky, onProgress: (e) => events.push(e) });
    for (let i = 0; i < 3; i++) await writeFile(join(dir, `flaky-${i}.bin`), randomBytes(1000 + i));
    const run = await cairn.init({ jobType: "flaky" });
    const a = new Artifact({ name: "flaky", type: "dataset" });
    for (let i = 0; i < 3; i++) a.addFile(join(dir, `flaky-${i}.bin`));
    const result = await run.logArtifact(a).result();
    expect(result.uploadedFiles).toBe(3);
    expect(puts).toBe(6);
    const upload = events.filter((e) => e.phase === "upload");
    expect(upload.at(-1)).toMatchObject({
      filesDone: 3,
      filesTotal: 3,
      bytesDone: 3003,
      bytesTotal: 3003,
    });
    expect(events.some((e) => e.phase === "hash")).toBe(true);
  });

  it("gives up on a permanent refusal without retrying", async () => {
    const { newCairn, dir } = env();
    let puts = 0;
    const refusing: typeof fetch = async (input, init) => {
      if (init?.method === "PUT") {
        puts++;
        return new Response(JSON.stringify({ error: { code: "FORBIDDEN", message: "no" } }), {
          status: 403,
        });
      }
      return fetch(input, init);
    };
    const cairn = newCairn({ fetch: refusing });
    await writeFile(join(dir, "refused.bin"), randomBytes(64));
    const run = await cairn.init({ jobType: "refused" });
    const a = new Artifact({ name: "refused", type: "dataset" });
    a.addFile(join(dir, "refused.bin"));
    await expect(run.logArtifact(a).wait()).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(puts).toBe(1);
  });

  it("commits more than 10,000 entries through upsert pages and finish", async () => {
    const { cairn } = env();
    const run = await cairn.init({ jobType: "big" });
    const a = new Artifact({ name: "big-manifest", type: "dataset" });
    // URI-only references: no lookups and no uploads, so the test exercises the commit path only.
    for (let i = 0; i < 10_001; i++) {
      a.addReference(`https://example.com/data/${i}.bin`, { checksum: false, name: `f/${i}.bin` });
    }
    const logged = await run.logArtifact(a).wait();
    expect(logged.version).toBe("v0");
    expect(logged.info.fileCount).toBe(10_001);
    const fetched = await cairn.api().artifact("big-manifest:latest");
    expect(fetched.manifest.entries).toHaveLength(10_001);
    expect(fetched.digest).toBe(logged.digest);
    // Identical contents again: the existing version (the upsert path finds it too).
    const again = await run.logArtifact(a).wait();
    expect(again.version).toBe("v0");
  }, 120_000);

  // The directory store takes one PUT of any size: multipart exists on the S3 store only.
  it.runIf(engine.blobs === "s3")(
    "uploads a blob above the multipart threshold in parts (S3 store)",
    async () => {
      const { newCairn, dir } = env();
      const partPuts: string[] = [];
      const counting: typeof fetch = (input, init) => {
        if (init?.method === "PUT" && /[?&]partNumber=/.test(String(input)))
          partPuts.push(String(input));
        return fetch(input, init);
      };
      const cairn = newCairn({ fetch: counting });
      const big = join(dir, "big.bin");
      const bytes = randomBytes(65 * 1024 * 1024);
      await writeFile(big, bytes);
      const run = await cairn.init({ jobType: "multipart" });
      const a = new Artifact({ name: "multipart", type: "model" });
      a.addFile(big);
      const result = await run.logArtifact(a).result();
      expect(result.uploadedBytes).toBe(bytes.length);
      expect(partPuts).toHaveLength(5); // 65 MiB in 16 MiB parts
      const fetched = await cairn.api().artifact("multipart:latest");
      const root = await fetched.download({ root: join(dir, "mp-dl"), skipCache: true });
      expect((await readFile(join(root, "big.bin"))).equals(bytes)).toBe(true);
    },
    120_000,
  );
});
