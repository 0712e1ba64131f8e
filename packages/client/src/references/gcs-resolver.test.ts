import { createHash } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCairnError } from "@cairn/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReferenceResolvers } from "../index.js";
import { createReferenceResolvers } from "../internal.js";
import { type GcsTestServer, startGcsTestServer } from "./gcs-test-server.test-helpers.js";

const md5b64 = (s: string) => createHash("md5").update(s).digest("base64");

describe("gs references (GCS JSON API test server)", () => {
  let gcs: GcsTestServer;
  let resolvers: ReferenceResolvers;
  let modelGeneration: number;

  beforeAll(async () => {
    gcs = await startGcsTestServer();
    resolvers = createReferenceResolvers({ gcs: { endpoint: gcs.endpoint } });
    modelGeneration = gcs.put("ml-bucket", "checkpoints/model.h5", "model-bytes");
    gcs.put("ml-bucket", "images/cat.png", "cat");
    gcs.put("ml-bucket", "images/dog.png", "dogdog");
    gcs.put("ml-bucket", "images/", ""); // a console "folder" marker: skipped
    gcs.put("ml-bucket", "imagesX/y.png", "outside");
  });
  afterAll(() => gcs?.close());

  it("a single object records MD5 (digest), size, etag and generation", async () => {
    const [entry] = await resolvers.resolve("gs://ml-bucket/checkpoints/model.h5");
    expect(entry).toMatchObject({
      path: "model.h5",
      digest: md5b64("model-bytes"),
      size: 11,
      ref: "gs://ml-bucket/checkpoints/model.h5",
      extra: { versionID: String(modelGeneration) },
    });
    expect(typeof entry!.extra!.etag).toBe("string");
  });

  it("a prefix lists prefix/ across pages and names entries like the seed table", async () => {
    const entries = await resolvers.resolve("gs://ml-bucket/images", { name: "images" });
    expect(entries.map((e) => e.path)).toEqual(["images/cat.png", "images/dog.png"]);
    await expect(resolvers.resolve("gs://ml-bucket/images", { maxObjects: 1 })).rejects.toSatisfy(
      (e) => isCairnError(e, "TOO_MANY_OBJECTS"),
    );
  });

  it("downloads the logged generation even after the object was overwritten, and detects deletion", async () => {
    const [entry] = await resolvers.resolve("gs://ml-bucket/checkpoints/model.h5");
    gcs.put("ml-bucket", "checkpoints/model.h5", "NEW model bytes");
    const dir = await mkdtemp(join(tmpdir(), "cairn-gcs-"));
    await resolvers.download(entry!, join(dir, "model.h5"));
    expect(await readFile(join(dir, "model.h5"), "utf8")).toBe("model-bytes");
    expect(await resolvers.verifyReference(entry!)).toEqual({ ok: true }); // pinned generation still exists

    gcs.delete("ml-bucket", "checkpoints/model.h5");
    const verdict = await resolvers.verifyReference(entry!);
    expect(verdict).toEqual({
      ok: false,
      drifted: `generation ${modelGeneration} no longer exists`,
    });
    await expect(resolvers.download(entry!, join(dir, "gone.h5"))).rejects.toSatisfy((e) =>
      isCairnError(e, "DIGEST_MISMATCH"),
    );
  });

  it("checksum: false never calls the API", async () => {
    const before = gcs.requests;
    const [entry] = await resolvers.resolve("gs://ml-bucket/whatever", { checksum: false });
    expect(entry).toEqual({
      path: "whatever",
      digest: "gs://ml-bucket/whatever",
      size: null,
      ref: "gs://ml-bucket/whatever",
    });
    expect(gcs.requests).toBe(before);
  });

  it("nothing at the URI is NOT_FOUND", async () => {
    await expect(resolvers.resolve("gs://ml-bucket/none")).rejects.toSatisfy((e) =>
      isCairnError(e, "NOT_FOUND"),
    );
  });
});
