import { createHash } from "node:crypto";
import { join } from "node:path";
import { createFsBlobStore } from "@cairn/blobs";
import type { Cairn } from "@cairn/client";
import type { ManifestEntry } from "@cairn/core";
import type { FaultEnv } from "./environment.js";

/**
 * Stores `count` small blobs in the deployment's blob directory and records them as owned by the
 * admin entity, so upserts and logs can reference them without uploading (the point of these
 * scenarios is the job pipeline, not the byte transfer).
 */
export async function seedOwnedBlobs(env: FaultEnv, count: number): Promise<ManifestEntry[]> {
  const blobs = createFsBlobStore({ root: join(env.dir, "blobs") });
  const admin = await env.database.db
    .selectFrom("entities")
    .select("id")
    .where("name", "=", "admin")
    .executeTakeFirstOrThrow();
  const entries = Array.from({ length: count }, (_, i) => {
    const content = `fault blob ${i}\n`;
    return {
      path: `f${i}.txt`,
      digest: createHash("sha256").update(content).digest("hex"),
      size: Buffer.byteLength(content),
      content,
    };
  });
  for (let i = 0; i < entries.length; i += 64) {
    await Promise.all(
      entries.slice(i, i + 64).map((e) => blobs.put(e.digest, Buffer.from(e.content))),
    );
  }
  for (let i = 0; i < entries.length; i += 1000) {
    const batch = entries.slice(i, i + 1000);
    await env.database.db
      .insertInto("blobs")
      .values(batch.map((e) => ({ digest: e.digest, size: e.size })))
      .onConflict((oc) => oc.doNothing())
      .execute();
    await env.database.db
      .insertInto("blob_owners")
      .values(batch.map((e) => ({ entity_id: admin.id, digest: e.digest })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  return entries.map(({ path, digest, size }) => ({ path, digest, size }));
}

/** Entries `prefix/<path>` over the seeded blobs `from..to`. */
export function entriesUnder(
  pool: ManifestEntry[],
  prefix: string,
  from: number,
  to: number,
): ManifestEntry[] {
  return pool.slice(from, to).map((e) => ({ ...e, path: `${prefix}/${e.path}` }));
}

/** Long-polls `draftStatus` until the draft is finished or failed (or `timeoutMs` passed). */
export async function waitForDraft(
  cairn: Cairn,
  draftId: string,
  timeoutMs = 90_000,
): Promise<Awaited<ReturnType<Cairn["trpc"]["artifacts"]["draftStatus"]["query"]>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await cairn.trpc.artifacts.draftStatus.query({ draftId, waitMs: 5_000 });
    if (status.status === "finished" || status.status === "failed") return status;
    if (Date.now() > deadline) return status;
  }
}

/** Committed version numbers of one collection, ascending. */
export async function versionNumbers(env: FaultEnv, name: string): Promise<number[]> {
  const rows = await env.database.db
    .selectFrom("versions")
    .innerJoin("collections", "collections.id", "versions.collection_id")
    .select("versions.number")
    .where("collections.name", "=", name)
    .orderBy("versions.number")
    .execute();
  return rows.map((r) => Number(r.number));
}

/**
 * Calls `fn` until it succeeds, as a careful client would after an outage: returns the value and
 * every error message seen on the way (each must say what went wrong).
 */
export async function untilSucceeds<T>(
  fn: () => Promise<T>,
  attempts = 40,
  pauseMs = 500,
): Promise<{ value: T; errors: string[] }> {
  const errors: string[] = [];
  for (let i = 0; ; i++) {
    try {
      return { value: await fn(), errors };
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
      if (i >= attempts) throw error;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
}
