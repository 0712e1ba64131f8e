import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { createS3Resolver } from "../internal.js";

/**
 * s3rver has no bucket versioning, so the versioned paths (ListObjectVersions, GetObject pinned to
 * a VersionId) are checked against a scripted client that records the commands it receives.
 */
function scriptedClient(handlers: Record<string, (input: Record<string, unknown>) => unknown>) {
  const calls: Array<{ command: string; input: Record<string, unknown> }> = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      calls.push({ command: name, input: command.input });
      const handler = handlers[name];
      if (!handler)
        throw Object.assign(new Error("not found"), {
          name: "NotFound",
          $metadata: { httpStatusCode: 404 },
        });
      return handler(command.input);
    },
  } as unknown as S3Client;
  return { client, calls };
}

describe("s3 references on a versioned bucket", () => {
  it("records versionID from ListObjectVersions (latest only) and pins downloads to it", async () => {
    const { client, calls } = scriptedClient({
      ListObjectVersionsCommand: () => ({
        IsTruncated: false,
        Versions: [
          { Key: "data/a.csv", VersionId: "v2", IsLatest: true, ETag: '"e2"', Size: 2 },
          { Key: "data/a.csv", VersionId: "v1", IsLatest: false, ETag: '"e1"', Size: 1 },
          { Key: "data/", VersionId: "m", IsLatest: true, ETag: '"d"', Size: 0 },
        ],
      }),
      GetObjectCommand: () => ({ Body: Readable.from([Buffer.from("ok")]), ETag: '"e2"' }),
    });
    const resolver = createS3Resolver({ client });
    const parsed = { scheme: "s3" as const, bucket: "bkt", key: "data" };
    const entries = await resolver.resolve(parsed, { checksum: true, maxObjects: 10 });
    expect(entries).toEqual([
      {
        path: "a.csv",
        digest: "e2",
        size: 2,
        ref: "s3://bkt/data/a.csv",
        extra: { etag: "e2", versionID: "v2" },
      },
    ]);
    expect(calls.find((c) => c.command === "ListObjectVersionsCommand")?.input).toMatchObject({
      Prefix: "data/",
    });

    const dir = await mkdtemp(join(tmpdir(), "cairn-s3v-"));
    await resolver.download(
      entries[0]!,
      { scheme: "s3", bucket: "bkt", key: "data/a.csv" },
      join(dir, "a.csv"),
    );
    expect(await readFile(join(dir, "a.csv"), "utf8")).toBe("ok");
    const get = calls.find((c) => c.command === "GetObjectCommand")!;
    expect(get.input).toMatchObject({ Bucket: "bkt", Key: "data/a.csv", VersionId: "v2" });
    expect(get.input.IfMatch).toBeUndefined();
  });

  it("verify checks the pinned version with HeadObject", async () => {
    const { client, calls } = scriptedClient({
      HeadObjectCommand: (input) =>
        input.VersionId === "v2" ? { ETag: '"e2"', ContentLength: 2, VersionId: "v2" } : undefined,
    });
    const resolver = createS3Resolver({ client });
    const entry = {
      path: "a.csv",
      digest: "e2",
      size: 2,
      ref: "s3://bkt/data/a.csv",
      extra: { etag: "e2", versionID: "v2" },
    };
    const parsed = { scheme: "s3" as const, bucket: "bkt", key: "data/a.csv" };
    expect(await resolver.verify(entry, parsed)).toEqual({ ok: true });
    expect(calls[0]!.input).toMatchObject({ VersionId: "v2" });
    expect(await resolver.verify({ ...entry, size: 3 }, parsed)).toEqual({
      ok: false,
      drifted: "size changed from 3 to 2 bytes",
    });
  });
});
