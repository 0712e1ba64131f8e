import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { expect, it } from "vitest";
import { Artifact } from "../index.js";
import { describeE2E } from "./harness.test-helpers.js";

const MiB = 1024 * 1024;

/** Every object key in the test bucket under `prefix`. */
async function bucketKeys(location: {
  endpoint: string;
  bucket: string;
  region: string;
  keyPrefix: string;
}): Promise<string[]> {
  const client = new S3Client({
    region: location.region,
    endpoint: location.endpoint,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    forcePathStyle: true,
  });
  try {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: location.bucket,
          Prefix: location.keyPrefix,
          ContinuationToken,
        }),
      );
      for (const object of page.Contents ?? []) keys.push(object.Key ?? "");
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys;
  } finally {
    client.destroy();
  }
}

await describeE2E("packs: small files at disk speed", (env, engine) => {
  it("logs many small files as a few packs (a few PUTs on a bucket) and downloads exact bytes", async () => {
    if (!engine.packs) return;
    const folder = join(env().dir, "packs-src");
    await mkdir(join(folder, "shards"), { recursive: true });
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 300; i++) files.set(`shards/s${i}.bin`, randomBytes(2000 + i));
    files.set("big.bin", randomBytes(5 * MiB)); // above the pack threshold: its own file/object
    for (const [path, bytes] of files) await writeFile(join(folder, path), bytes);
    const run = await env().cairn.init({ jobType: "upload" });
    const artifact = new Artifact({ name: "packed-set", type: "dataset" });
    artifact.addDir(folder);
    await run.logArtifact(artifact).wait();
    await run.finish();

    const location = env().server.blobLocation;
    if (location.kind === "s3") {
      const keys = await bucketKeys(location);
      const packs = keys.filter((k) => k.startsWith(`${location.keyPrefix}packs/`));
      const loose = keys.filter((k) => !k.startsWith(`${location.keyPrefix}packs/`));
      // 301 files: the big one is its own object, the 300 small ones reach the bucket in packs.
      expect(loose).toHaveLength(1);
      expect(packs.length).toBeGreaterThanOrEqual(1);
      expect(packs.length).toBeLessThanOrEqual(3);
    }

    const reader = env().newCairn();
    const version = await reader.api().artifact("packed-set:latest");
    const root = join(env().dir, "packs-out");
    await version.download({ root });
    expect(version.lastDownload).toMatchObject({ fetched: 301 });
    for (const [path, bytes] of files) {
      expect((await readFile(join(root, path))).equals(bytes), path).toBe(true);
    }
  }, 120_000);
});
