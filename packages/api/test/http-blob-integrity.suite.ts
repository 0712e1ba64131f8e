import { encodeBundleHeader } from "@cairn/core";
import { expect, it } from "vitest";
import {
  clientFor,
  corruptStoredBlob,
  expectRefused,
  type Harness,
  newUser,
  putToTarget,
  randomFile,
  sha256,
  uniqueName,
  uploadFiles,
} from "./http.test-helpers.js";

/** Bytes that are not what they claim to be: corrupted at rest, or wrong on upload. */
export function registerBlobIntegrityTests(current: () => Harness): void {
  async function ownerWithProject() {
    const harness = current();
    const owner = await newUser(harness, clientFor(harness, harness.server.adminKey), "blob");
    const P = { entity: owner.name, project: uniqueName("p") };
    await owner.client.api.projects.create.mutate({ entity: P.entity, name: P.project });
    return { owner, P, c: owner.client.api };
  }

  it("detects a corrupted stored blob: downloads hash wrong and blob-verify reports mismatch", async () => {
    const { owner, P, c } = await ownerWithProject();
    const file = randomFile(4096);
    const [entry] = await uploadFiles(owner.client, P, { "w.bin": file.bytes });
    await c.artifacts.log.mutate({ ...P, name: "m", type: "model", entries: [entry!] });

    const server = current().server;
    // Healthy first, so the mismatch below is the corruption's doing, not the check's.
    expect(await server.services.retention.verifyBlob({ digest: file.digest })).toEqual({
      digest: file.digest,
      status: "ok",
    });
    const garbage = randomFile(4096).bytes;
    await corruptStoredBlob(server, file.digest, garbage);

    const { urls } = await c.artifacts.fileUrls.query({
      ...P,
      ref: "m:v0",
      digests: [file.digest],
    });
    const response = await fetch(urls[0]!.url, { headers: urls[0]!.headers });
    expect(response.status).toBe(200);
    const downloaded = Buffer.from(await response.arrayBuffer());
    expect(sha256(downloaded)).not.toBe(file.digest);
    expect(downloaded.equals(garbage)).toBe(true);

    expect(await server.services.retention.verifyBlob({ digest: file.digest })).toEqual({
      digest: file.digest,
      status: "mismatch",
    });
    // Self-healing: ownership was dropped, so the next client is asked to upload it again.
    const again = await c.blobs.missing.mutate({
      ...P,
      blobs: [{ digest: file.digest, size: 4096 }],
    });
    expect(again.missing.map((m) => m.digest)).toEqual([file.digest]);
  });

  it("refuses wrong bytes sent to an upload URL with 422 and records nothing", async () => {
    const { P, c } = await ownerWithProject();
    const file = randomFile(2048);
    const wrong = randomFile(2048).bytes;
    const { missing } = await c.blobs.missing.mutate({
      ...P,
      blobs: [{ digest: file.digest, size: 2048 }],
    });
    const upload = missing[0]!.upload;
    const response = await putToTarget(upload, wrong);
    if (upload.kind === "put" && upload.complete) {
      // Presigned bucket PUT: the bucket cannot check, so blobs.complete re-hashes and refuses.
      expect(response.status).toBe(200);
      await expectRefused(
        c.blobs.complete.mutate({ ...P, digest: file.digest, size: 2048 }),
        422,
        "DIGEST_MISMATCH",
      );
    } else {
      // The server's own byte route hashes while receiving.
      expect(response.status).toBe(422);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("DIGEST_MISMATCH");
      expect(body.error.message).toMatch(/\S{10,}/);
    }
    expect(await current().server.services.deps.blobs.has(file.digest)).toBe(false);
    await expectRefused(
      c.artifacts.log.mutate({
        ...P,
        name: "bad",
        type: "t",
        entries: [{ path: "f.bin", digest: file.digest, size: 2048 }],
      }),
      400,
      "INVALID_MANIFEST",
    );
    // Still missing: the refused upload granted nothing.
    const after = await c.blobs.missing.mutate({
      ...P,
      blobs: [{ digest: file.digest, size: 2048 }],
    });
    expect(after.missing).toHaveLength(1);
  });

  /** POSTs `files` as one bundle (header line, then the bytes) to a bundle URL. */
  async function postBundle(
    url: string,
    files: Array<{ digest: string; size?: number; bytes: Uint8Array }>,
  ): Promise<{
    status: number;
    body: { ok?: boolean; blobs?: number; error?: { code: string; message: string } };
  }> {
    const header = encodeBundleHeader(
      files.map((f) => ({ digest: f.digest, size: f.size ?? f.bytes.length })),
    );
    const body = Buffer.concat([header, ...files.map((f) => f.bytes)]);
    const response = await fetch(url, { method: "POST", body });
    return { status: response.status, body: (await response.json()) as never };
  }

  it("takes many small blobs in one bundle when bytes go through the server, and records each", async () => {
    const { P, c } = await ownerWithProject();
    const files = Array.from({ length: 40 }, (_, i) => randomFile(1000 + i));
    const asked = await c.blobs.missing.mutate({
      ...P,
      blobs: files.map((f) => ({ digest: f.digest, size: f.bytes.length })),
    });
    expect(asked.missing).toHaveLength(40);
    if (current().server.blobLocation.kind !== "fs") {
      // Presigned bucket uploads go straight to the bucket, one object each: no bundle route.
      expect(asked.bundle).toBeNull();
      return;
    }
    expect(asked.bundle).toMatchObject({ maxBlobs: 1000, maxBytes: 32 * 1024 * 1024 });
    const answer = await postBundle(asked.bundle!.url, files);
    expect(answer).toEqual({
      status: 200,
      body: { ok: true, blobs: 40, bytes: expect.any(Number) },
    });
    const again = await c.blobs.missing.mutate({
      ...P,
      blobs: files.map((f) => ({ digest: f.digest, size: f.bytes.length })),
    });
    expect(again.missing).toEqual([]);
    // The bytes are the ones sent: a version of them downloads intact.
    await c.artifacts.log.mutate({
      ...P,
      name: "bundled",
      type: "dataset",
      entries: files.map((f, i) => ({ path: `f${i}`, digest: f.digest, size: f.bytes.length })),
    });
    const { urls } = await c.artifacts.fileUrls.query({
      ...P,
      ref: "bundled:v0",
      digests: [files[7]!.digest],
    });
    const got = Buffer.from(await (await fetch(urls[0]!.url)).arrayBuffer());
    expect(got.equals(files[7]!.bytes)).toBe(true);
  });

  it("refuses a bundle with a wrong blob naming it, keeps stored bytes, and refuses bad tokens and bodies", async (ctx) => {
    // Only the directory store routes bytes through the server (the bucket case is above).
    if (current().server.blobLocation.kind !== "fs") ctx.skip();
    const { P, c } = await ownerWithProject();
    const good = randomFile(3000);
    const liar = randomFile(3000);
    const asked = await c.blobs.missing.mutate({
      ...P,
      blobs: [good, liar].map((f) => ({ digest: f.digest, size: 3000 })),
    });
    const url = asked.bundle!.url;
    const wrong = await postBundle(url, [
      good,
      { digest: liar.digest, bytes: randomFile(3000).bytes },
    ]);
    expect(wrong.status).toBe(422);
    expect(wrong.body.error?.code).toBe("DIGEST_MISMATCH");
    expect(wrong.body.error?.message).toContain(liar.digest);
    const still = await c.blobs.missing.mutate({
      ...P,
      blobs: [{ digest: liar.digest, size: 3000 }],
    });
    expect(still.missing.map((m) => m.digest)).toEqual([liar.digest]);

    // Truncated: the header promises more bytes than follow.
    const truncated = await fetch(url, {
      method: "POST",
      body: Buffer.concat([
        encodeBundleHeader([{ digest: liar.digest, size: 3000 }]),
        liar.bytes.subarray(0, 10),
      ]),
    });
    expect(truncated.status).toBe(400);
    expect(((await truncated.json()) as { error: { message: string } }).error.message).toMatch(
      /ended 2990 bytes before the end of blob/,
    );
    const garbage = await fetch(url, { method: "POST", body: "not a bundle\n" });
    expect(garbage.status).toBe(400);
    const forged = await postBundle(url.replace(/t=[^&]+/, "t=abc.def"), [liar]);
    expect(forged.status).toBe(401);
    const getIt = await fetch(url);
    expect(getIt.status).toBe(405);
    // A blob token is not a bundle token.
    const blobUrl = asked.missing[0]!.upload;
    if (blobUrl.kind !== "put") throw new Error("expected a put target");
    const token = new URL(blobUrl.url).searchParams.get("t")!;
    const crossed = await postBundle(`${url.split("?")[0]}?t=${encodeURIComponent(token)}`, [liar]);
    expect(crossed.status).toBe(403);

    // The right bytes after all that: accepted.
    expect((await postBundle(url, [liar])).status).toBe(200);
  });
}
