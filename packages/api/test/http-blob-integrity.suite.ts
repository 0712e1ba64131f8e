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
}
