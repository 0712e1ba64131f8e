import type { ServiceDeps } from "../deps.js";

/** What `blob-verify` found. */
export interface BlobVerifyResult {
  digest: string;
  status: "ok" | "missing" | "mismatch";
}

/**
 * The `blob-verify` job: re-hashes a stored blob. Good bytes are marked verified. Missing or
 * corrupt bytes (the corrupt ones are deleted) mark the blob unverified and drop every entity's
 * ownership of it, so `blobs.missing` asks the next client that has the file to upload it again
 * instead of letting commits reference bytes that are gone — the store heals itself.
 */
export async function verifyStoredBlob(
  deps: ServiceDeps,
  payload: { digest: string },
): Promise<BlobVerifyResult> {
  const { digest } = payload;
  if (await deps.blobs.has(digest)) {
    const verdict = await deps.blobs.verify(digest);
    if (verdict.ok) {
      await deps.db
        .updateTable("blobs")
        .set({ verified: true })
        .where("digest", "=", digest)
        .execute();
      return { digest, status: "ok" };
    }
    await deps.blobs.delete(digest);
    await forgetOwners(deps, digest);
    return { digest, status: "mismatch" };
  }
  await forgetOwners(deps, digest);
  return { digest, status: "missing" };
}

async function forgetOwners(deps: ServiceDeps, digest: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable("blobs").set({ verified: false }).where("digest", "=", digest).execute();
    await trx.deleteFrom("blob_owners").where("digest", "=", digest).execute();
  });
}
