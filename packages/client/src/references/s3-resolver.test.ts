import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type S3TestServer, startS3TestServer } from "@cairn/blobs/testing";
import { isCairnError } from "@cairn/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReferenceResolvers } from "../index.js";
import { createReferenceResolvers } from "../internal.js";

describe("s3 references (s3rver)", () => {
  let s3: S3TestServer;
  let client: S3Client;
  let resolvers: ReferenceResolvers;
  const put = (key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));

  beforeAll(async () => {
    s3 = await startS3TestServer({ bucket: "refs-bucket" });
    const config = {
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
      checksumWhenRequired: true,
    };
    client = new S3Client({
      ...config,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    resolvers = createReferenceResolvers({ s3: config });
    await put("checkpoints/model.h5", "model-bytes");
    await put("images/cat.png", "cat");
    await put("images/dog.png", "dogdog");
    await put("images/sub/fish.png", "fish");
    await put("images2/other.png", "not in images/");
    for (let i = 0; i < 5; i++) await put(`many/${i}.txt`, `n${i}`);
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.close();
  });

  it("a single object records ETag, size and extra (seed naming table)", async () => {
    const [entry, ...rest] = await resolvers.resolve("s3://refs-bucket/checkpoints/model.h5");
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      path: "model.h5",
      size: 11,
      ref: "s3://refs-bucket/checkpoints/model.h5",
    });
    expect(entry!.digest).toMatch(/^[0-9a-f]{32}$/); // s3rver's ETag: the MD5, quotes removed
    expect(entry!.extra).toEqual({ etag: entry!.digest });
    const named = await resolvers.resolve("s3://refs-bucket/checkpoints/model.h5", {
      name: "models/mymodel.h5",
    });
    expect(named[0]!.path).toBe("models/mymodel.h5");
  });

  it("a prefix expands to the objects under prefix/ (not images2/), named per the seed table", async () => {
    const entries = await resolvers.resolve("s3://refs-bucket/images");
    expect(entries.map((e) => e.path).sort()).toEqual(["cat.png", "dog.png", "sub/fish.png"]);
    expect(entries.find((e) => e.path === "dog.png")).toMatchObject({
      size: 6,
      ref: "s3://refs-bucket/images/dog.png",
    });
    const named = await resolvers.resolve("s3://refs-bucket/images/", { name: "images" });
    expect(named.map((e) => e.path).sort()).toEqual([
      "images/cat.png",
      "images/dog.png",
      "images/sub/fish.png",
    ]);
  });

  it("a prefix beyond maxObjects fails with TOO_MANY_OBJECTS naming the count and the option", async () => {
    await expect(resolvers.resolve("s3://refs-bucket/many", { maxObjects: 4 })).rejects.toSatisfy(
      (e) =>
        isCairnError(e, "TOO_MANY_OBJECTS") &&
        /more than 4 objects/.test((e as Error).message) &&
        /maxObjects/.test((e as Error).message),
    );
    expect(await resolvers.resolve("s3://refs-bucket/many", { maxObjects: 5 })).toHaveLength(5);
  });

  it("nothing at the URI is NOT_FOUND; checksum: false makes no lookup", async () => {
    await expect(resolvers.resolve("s3://refs-bucket/nothing/here")).rejects.toSatisfy((e) =>
      isCairnError(e, "NOT_FOUND"),
    );
    const [entry] = await resolvers.resolve("s3://refs-bucket/nothing/here", { checksum: false });
    expect(entry).toEqual({
      path: "here",
      digest: "s3://refs-bucket/nothing/here",
      size: null,
      ref: "s3://refs-bucket/nothing/here",
    });
  });

  it("downloads, verifies, and refuses an object that changed since it was logged", async () => {
    await put("drift/data.bin", "version-1");
    const [entry] = await resolvers.resolve("s3://refs-bucket/drift/data.bin");
    const dir = await mkdtemp(join(tmpdir(), "cairn-s3-"));
    await resolvers.download(entry!, join(dir, "data.bin"));
    expect(await readFile(join(dir, "data.bin"), "utf8")).toBe("version-1");
    expect(await resolvers.verifyReference(entry!)).toEqual({ ok: true });

    await put("drift/data.bin", "version-2!");
    const verdict = await resolvers.verifyReference(entry!);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.drifted).toMatch(/ETag changed/);
    await expect(resolvers.download(entry!, join(dir, "again.bin"))).rejects.toSatisfy((e) =>
      isCairnError(e, "DIGEST_MISMATCH"),
    );
    await expect(readFile(join(dir, "again.bin"))).rejects.toThrow();
  });
});
