import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { isPackedStore } from "@cairn/blobs";
import { BUNDLE_MAX_BLOB_SIZE, BUNDLE_MAX_BLOBS, BUNDLE_MAX_BYTES, CairnError } from "@cairn/core";
import type { Actor } from "./actor.js";
import type { BlobCompleteInput, BlobsMissingInput } from "./blob-inputs.js";
import { type BundleUploadResult, receiveBundle } from "./blobs-bundle-upload.js";
import { BUNDLE_TOKEN_SUBJECT, signByteToken } from "./byte-tokens.js";
import { nowOf, type ServiceDeps } from "./deps.js";
import { createGroupCommitter } from "./group-commit.js";
import { resolveProject } from "./project-access.js";

/** Upload targets handed to clients live this long (seconds). */
export const UPLOAD_URL_TTL_SECONDS = 3600;
/**
 * Blobs at least this big go up as multipart uploads: presigned when the store can presign, else
 * part by part through the server's part route.
 */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
/** Part size of multipart uploads (presigned or through the server). */
export const MULTIPART_PART_SIZE = 16 * 1024 * 1024;
/** Most uploads recorded per ownership transaction (3 params per row stays far below PG's 65,535). */
export const RECORD_BATCH_MAX = 500;
/**
 * How long a lone upload waits for others before its ownership is committed. Small: under load
 * batches form while the previous one commits anyway, so the delay only matters when idle.
 */
export const RECORD_BATCH_DELAY_MS = 2;

/** A verified upload (or proof of possession) to record as ownership. */
export interface UploadRecord {
  digest: string;
  size: number;
  entityId: string;
}

/** Where and how a client uploads one missing blob. */
export type UploadTarget =
  /** `complete`: call blobs.complete after the PUT (presigned bucket uploads); false for the server's route. */
  | { kind: "put"; url: string; headers: Record<string, string>; complete: boolean }
  | {
      kind: "multipart";
      uploadId: string;
      partSize: number;
      parts: Array<{ partNumber: number; url: string; size: number }>;
    };

/** Where a client may upload many small missing blobs in one request (the server's bundle route). */
export interface BundleTarget {
  url: string;
  maxBlobs: number;
  maxBytes: number;
  /** Blobs above this size go to their own target. */
  maxBlobSize: number;
}

/** Missing blobs looked up (`blobs.has`) and signed at once in `blobs.missing`. */
const TARGET_CONCURRENCY = 32;

/**
 * Blob ownership and transfer. The dedup rule (no oracle): a blob is reported "not missing" only
 * when the project's owning entity already owns it — uploaded or proved by that entity before.
 * Everything else is "missing", even when another tenant stored the same bytes: the client
 * uploads them (which proves possession), the bytes are stored once, and ownership is recorded.
 */
export function createBlobsService(deps: ServiceDeps) {
  const { db, blobs } = deps;

  /** URL of the server's own byte route for `digest` with a signed token. */
  function serverUrl(
    digest: string,
    claims: { op: "put" | "get"; e?: string; s?: number },
  ): string {
    const token = signByteToken(deps.signingSecret, {
      d: digest,
      x: Math.floor(nowOf(deps).getTime() / 1000) + UPLOAD_URL_TTL_SECONDS,
      ...claims,
    });
    return `${deps.publicUrl.replace(/\/$/, "")}/blobs/${digest}?t=${encodeURIComponent(token)}`;
  }

  /**
   * Records that `entityId` holds the verified blob (after an upload or a proof of possession).
   * Resolves only once the ownership row is committed; concurrent uploads share one transaction
   * (group commit), which is what makes thousands of small uploads affordable on PGlite.
   */
  async function recordUpload(input: UploadRecord): Promise<void> {
    await committer.submit(input);
  }

  /** One transaction, three multi-row statements, for a whole batch of uploads. */
  async function recordBatch(batch: UploadRecord[]): Promise<void> {
    // ON CONFLICT DO UPDATE may not touch a row twice in one statement: dedupe. Sorting gives
    // every process the same lock order, so two servers' batches cannot deadlock.
    const sizes = new Map<string, number>();
    const owners = new Map<string, { entity_id: string; digest: string; verified: true }>();
    for (const r of batch) {
      if (!sizes.has(r.digest)) sizes.set(r.digest, r.size);
      owners.set(`${r.entityId}/${r.digest}`, {
        entity_id: r.entityId,
        digest: r.digest,
        verified: true,
      });
    }
    const blobRows = [...sizes]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([digest, size]) => ({ digest, size, verified: true }));
    const ownerRows = [...owners.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, row]) => row);
    const digestsOf = new Map<string, string[]>();
    for (const row of ownerRows) {
      const list = digestsOf.get(row.entity_id) ?? [];
      list.push(row.digest);
      digestsOf.set(row.entity_id, list);
    }
    const now = nowOf(deps);
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto("blobs")
        .values(blobRows)
        .onConflict((oc) =>
          oc.column("digest").doUpdateSet({ verified: true, last_referenced_at: now }),
        )
        .execute();
      await trx
        .insertInto("blob_owners")
        .values(ownerRows)
        .onConflict((oc) => oc.columns(["entity_id", "digest"]).doNothing())
        .execute();
      await trx
        .updateTable("upload_sessions")
        .set({ state: "completed" })
        .where("state", "=", "pending")
        .where((eb) =>
          eb.or(
            [...digestsOf].map(([entityId, digests]) =>
              eb.and([eb("entity_id", "=", entityId), eb("digest", "in", digests)]),
            ),
          ),
        )
        .execute();
    });
  }

  const committer = createGroupCommitter<UploadRecord>({
    flush: recordBatch,
    maxItems: RECORD_BATCH_MAX,
    maxDelayMs: RECORD_BATCH_DELAY_MS,
  });

  return {
    recordUpload,

    /**
     * Which of `blobs` the project's entity must upload, each with an upload target. Also opens
     * an upload session per missing blob, which keeps blob GC away from it while it is in flight.
     */
    async missing(
      actor: Actor | null,
      input: BlobsMissingInput,
    ): Promise<{
      missing: Array<{ digest: string; size: number; upload: UploadTarget }>;
      bundle: BundleTarget | null;
    }> {
      const project = await resolveProject(db, actor, input, "write");
      const wanted = new Map(input.blobs.map((b) => [b.digest, b.size]));
      const digests = [...wanted.keys()];
      const owned = new Set<string>();
      for (let i = 0; i < digests.length; i += 5000) {
        const rows = await db
          .selectFrom("blob_owners")
          .select("digest")
          .where("entity_id", "=", project.entityId)
          .where("digest", "in", digests.slice(i, i + 5000))
          .execute();
        for (const row of rows) owned.add(row.digest);
      }
      // Owned blobs the client will not re-upload: refresh them so blob GC (which only takes
      // blobs unreferenced for its grace period) leaves them alone until the commit lands.
      const ownedList = [...owned];
      for (let i = 0; i < ownedList.length; i += 5000) {
        await db
          .updateTable("blobs")
          .set({ last_referenced_at: nowOf(deps) })
          .where("digest", "in", ownedList.slice(i, i + 5000))
          .execute();
      }
      const toUpload = [...wanted].filter(([digest]) => !owned.has(digest));
      const missing: Array<{ digest: string; size: number; upload: UploadTarget }> = new Array(
        toUpload.length,
      );
      // Each target is a store lookup (a stat, or a HEAD on a bucket): overlap them.
      let next = 0;
      const lookup = async (): Promise<void> => {
        while (next < toUpload.length) {
          const i = next++;
          const [digest, size] = toUpload[i]!;
          missing[i] = { digest, size, upload: await uploadTarget(digest, size, project.entityId) };
        }
      };
      await Promise.all(Array.from({ length: TARGET_CONCURRENCY }, lookup));
      if (missing.length > 0) {
        const expiresAt = new Date(nowOf(deps).getTime() + UPLOAD_URL_TTL_SECONDS * 1000);
        for (let i = 0; i < missing.length; i += 1000) {
          await db
            .insertInto("upload_sessions")
            .values(
              missing.slice(i, i + 1000).map((m) => ({
                entity_id: project.entityId,
                digest: m.digest,
                size: m.size,
                multipart_upload_id: m.upload.kind === "multipart" ? m.upload.uploadId : null,
                expires_at: expiresAt,
              })),
            )
            .execute();
        }
      }
      // Small blobs headed for the server's own route may travel together in bundles.
      const viaServer = missing.some(
        (m) => m.upload.kind === "put" && !m.upload.complete && m.size <= BUNDLE_MAX_BLOB_SIZE,
      );
      return { missing, bundle: viaServer ? bundleTarget(project.entityId) : null };
    },

    /**
     * Receives a bundle of blobs on the server's bundle route (see {@link receiveBundle}) and
     * records the entity's ownership of each.
     */
    receiveBundle(input: {
      entityId: string;
      body: AsyncIterable<Uint8Array>;
    }): Promise<BundleUploadResult> {
      return receiveBundle(deps, recordUpload, input);
    },

    /**
     * Completes a presigned upload: assembles multipart uploads, checks the object's size, and —
     * unless the bucket enforces signed SHA-256 checksums — re-reads it to verify its digest before
     * recording ownership. A wrong upload is deleted and refused with DIGEST_MISMATCH.
     */
    async complete(actor: Actor | null, input: BlobCompleteInput): Promise<{ ok: true }> {
      const project = await resolveProject(db, actor, input, "write");
      if (input.multipart) {
        await blobs.completeMultipart(
          input.digest,
          input.multipart.uploadId,
          input.multipart.parts,
        );
      } else {
        const stat = await blobs.stat(input.digest);
        if (!stat) {
          throw new CairnError(
            "NOT_FOUND",
            `Blob ${input.digest} was not uploaded: PUT it to the URL from blobs.missing, then call blobs.complete.`,
          );
        }
        if (stat.size !== input.size) {
          throw new CairnError(
            "DIGEST_MISMATCH",
            `Blob ${input.digest} has ${stat.size} bytes, not the ${input.size} declared.`,
          );
        }
        if (!deps.bucketEnforcesChecksum) {
          const verdict = await blobs.verify(input.digest);
          if (!verdict.ok) {
            await blobs.delete(input.digest);
            throw new CairnError(
              "DIGEST_MISMATCH",
              `The uploaded bytes hash to ${verdict.actual ?? "something else"}, not ${input.digest}: re-upload the right file.`,
            );
          }
        }
      }
      await recordUpload({ digest: input.digest, size: input.size, entityId: project.entityId });
      return { ok: true };
    },

    /**
     * Receives bytes on the server's own upload route. When the store already holds the blob
     * (another tenant's upload), the bytes are only hashed — a proof of possession — so a bad upload
     * can never overwrite good bytes. Otherwise the store writes them, verifying as it goes.
     */
    async receiveUpload(input: {
      digest: string;
      size: number;
      entityId: string;
      body: Readable;
    }): Promise<void> {
      // A packed store verifies before it writes and never replaces a stored record, so it always
      // writes: an upload of stored content costs what a fresh one does.
      if (!isPackedStore(blobs) && (await blobs.has(input.digest))) {
        const hash = createHash("sha256");
        let size = 0;
        for await (const chunk of input.body) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        const actual = hash.digest("hex");
        if (actual !== input.digest || size !== input.size) {
          throw new CairnError(
            "DIGEST_MISMATCH",
            `The uploaded bytes (${size} bytes, SHA-256 ${actual}) do not match ${input.digest} (${input.size} bytes): re-upload the right file.`,
          );
        }
      } else {
        await blobs.put(input.digest, input.body, { size: input.size });
      }
      await recordUpload({ digest: input.digest, size: input.size, entityId: input.entityId });
    },

    /** A download URL per digest (presigned GET, or the server's byte route with a token). */
    async downloadUrl(digest: string): Promise<{ url: string; headers: Record<string, string> }> {
      const presigned = await blobs.presignGet(digest, { expiresIn: UPLOAD_URL_TTL_SECONDS });
      if (presigned) return { url: presigned.url, headers: presigned.headers };
      return { url: serverUrl(digest, { op: "get" }), headers: {} };
    },
  };

  function bundleTarget(entityId: string): BundleTarget {
    const token = signByteToken(deps.signingSecret, {
      d: BUNDLE_TOKEN_SUBJECT,
      op: "put-bundle",
      e: entityId,
      x: Math.floor(nowOf(deps).getTime() / 1000) + UPLOAD_URL_TTL_SECONDS,
    });
    return {
      url: `${deps.publicUrl.replace(/\/$/, "")}/bundles/put?t=${encodeURIComponent(token)}`,
      maxBlobs: BUNDLE_MAX_BLOBS,
      maxBytes: BUNDLE_MAX_BYTES,
      maxBlobSize: BUNDLE_MAX_BLOB_SIZE,
    };
  }

  async function uploadTarget(
    digest: string,
    size: number,
    entityId: string,
  ): Promise<UploadTarget> {
    // A blob small enough for a pack always goes through the server, which verifies and packs it:
    // no store lookup needed (a million-file log is a million fewer index queries).
    const packed = isPackedStore(blobs) && size <= blobs.packs.threshold;
    // A blob another tenant already stored is never presigned to its final key: the upload goes
    // through the server, which only hashes it (see receiveUpload).
    const storedElsewhere = packed || (await blobs.has(digest));
    if (!storedElsewhere) {
      if (size >= MULTIPART_THRESHOLD) {
        const multipart = await blobs.createMultipart(digest, size, MULTIPART_PART_SIZE, {
          expiresIn: UPLOAD_URL_TTL_SECONDS,
        });
        if (multipart)
          return {
            kind: "multipart",
            uploadId: multipart.uploadId,
            partSize: MULTIPART_PART_SIZE,
            parts: multipart.parts,
          };
        // A store that cannot presign (the directory store) still takes big blobs in parts, on
        // the server's part route: each part is stored durably, so an interrupted upload resumes.
        const unsigned = await blobs.createUnsignedMultipart(digest, size, MULTIPART_PART_SIZE);
        if (unsigned)
          return {
            kind: "multipart",
            uploadId: unsigned.uploadId,
            partSize: MULTIPART_PART_SIZE,
            parts: unsigned.parts.map((part) => ({
              ...part,
              url: serverPartUrl(digest, unsigned.uploadId, part.partNumber, part.size),
            })),
          };
      }
      const presigned = await blobs.presignPut(digest, size, { expiresIn: UPLOAD_URL_TTL_SECONDS });
      if (presigned)
        return { kind: "put", url: presigned.url, headers: presigned.headers, complete: true };
    }
    return {
      kind: "put",
      url: serverUrl(digest, { op: "put", e: entityId, s: size }),
      headers: {},
      complete: false,
    };
  }

  /**
   * The server's part route for one part of an unsigned multipart upload,
   * `/blobs/<digest>/parts/<n>?t=`: the token names the upload, the part and its exact size.
   */
  function serverPartUrl(digest: string, uploadId: string, partNumber: number, size: number) {
    const token = signByteToken(deps.signingSecret, {
      d: digest,
      op: "put-part",
      u: uploadId,
      n: partNumber,
      s: size,
      x: Math.floor(nowOf(deps).getTime() / 1000) + UPLOAD_URL_TTL_SECONDS,
    });
    const base = deps.publicUrl.replace(/\/$/, "");
    return `${base}/blobs/${digest}/parts/${partNumber}?t=${encodeURIComponent(token)}`;
  }
}

export type BlobsService = ReturnType<typeof createBlobsService>;
