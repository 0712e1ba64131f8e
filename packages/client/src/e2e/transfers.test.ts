import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { Artifact, type ProgressEvent } from "../index.js";
import { describeE2E } from "./harness.test-helpers.js";

await describeE2E("uploads: retries, progress, multipart and big manifests", (env, engine) => {
  /** A blob upload: a PUT of one blob, or a POST of a bundle of small blobs (directory store). */
  const isUpload = (input: unknown, init: RequestInit | undefined): boolean =>
    init?.method === "PUT" || (init?.method === "POST" && String(input).includes("/bundles/put"));

  it("retries failed blob uploads with backoff and reports upload progress", async () => {
    const { newCairn, dir } = env();
    const failedOnce = new Set<string>();
    let puts = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (isUpload(input, init)) {
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
    // Each request failed once: three single PUTs to the bucket, or one bundle via the server
    // (which is also how small blobs reach a bucket whose store packs them).
    expect(puts).toBe(engine.blobs === "s3" && !engine.packs ? 6 : 2);
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
      if (isUpload(input, init)) {
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

  it.runIf(engine.blobs === "fs")(
    "sends small files through the server in bundles, and big ones on their own",
    async () => {
      const { newCairn, dir } = env();
      const requests: string[] = [];
      const counting: typeof fetch = (input, init) => {
        if (isUpload(input, init))
          requests.push(`${init?.method} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      };
      const cairn = newCairn({ fetch: counting });
      const files = Array.from({ length: 120 }, (_, i) => randomBytes(2000 + i));
      await Promise.all(files.map((b, i) => writeFile(join(dir, `small-${i}.bin`), b)));
      const big = randomBytes(4 * 1024 * 1024 + 1);
      await writeFile(join(dir, "over-bundle-limit.bin"), big);
      const run = await cairn.init({ jobType: "bundles" });
      const a = new Artifact({ name: "bundled", type: "dataset" });
      for (let i = 0; i < files.length; i++) a.addFile(join(dir, `small-${i}.bin`));
      a.addFile(join(dir, "over-bundle-limit.bin"));
      const result = await run.logArtifact(a).result();
      expect(result.uploadedFiles).toBe(121);
      expect(requests.filter((r) => r === "POST /bundles/put")).toHaveLength(1);
      expect(requests.filter((r) => r.startsWith("PUT /blobs/"))).toHaveLength(1);
      const fetched = await cairn.api().artifact("bundled:latest");
      const root = await fetched.download({ root: join(dir, "bundled-dl"), skipCache: true });
      expect((await readFile(join(root, "small-77.bin"))).equals(files[77]!)).toBe(true);
      expect((await readFile(join(root, "over-bundle-limit.bin"))).equals(big)).toBe(true);
    },
    120_000,
  );

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

  // Presigned bucket parts on S3; the server's part route (/blobs/<digest>/parts/<n>) on fs.
  it("uploads a blob above the multipart threshold in parts", async () => {
    const { newCairn, dir } = env();
    const partPuts: string[] = [];
    const counting: typeof fetch = (input, init) => {
      if (init?.method === "PUT" && /[?&]partNumber=|\/parts\/\d+\?/.test(String(input)))
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
  }, 120_000);
});
