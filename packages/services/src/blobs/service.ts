import type { Readable } from "node:stream";
import { isPackedStore } from "@cairn/blobs";
import { BUNDLE_MAX_BLOB_SIZE, BUNDLE_MAX_BLOBS, BUNDLE_MAX_BYTES, CairnError } from "@cairn/core";
import { sql } from "kysely";
import type { Actor } from "../actor.js";
import { nowOf, type ServiceDeps } from "../deps.js";
import { resolveProject } from "../projects/access.js";
import { type BundleUploadResult, receiveBundle } from "./bundle-upload.js";
import { BUNDLE_TOKEN_SUBJECT, signByteToken } from "./byte-tokens.js";
import { createGroupCommitter } from "./group-commit.js";
import type { BlobCompleteInput, BlobsMissingInput } from "./inputs.js";
import { possessionEntities } from "./possession.js";

/** Upload targets handed to clients live this long (seconds). */
export const UPLOAD_URL_TTL_SECONDS = 3600;
/**
 * Blobs at least this big go up as multipart uploads: presigned when the store can presign, else
 * part by part through the server's part route.
 */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
/** Part size of multipart uploads (presigned or through the server). */
export const MULTIPART_PART_SIZE = 16 * 1024 * 1024;
/** Most uploads recorded per ownership transaction (array parameters: statements stay short). */
export const RECORD_BATCH_MAX = 5000;
/**
 * How long a lone upload waits for others before its ownership is committed. Small: under load
 * batches form while the previous one commits anyway, so the delay only matters when idle.
 */
export const RECORD_BATCH_DELAY_MS = 2;

import type { UploadRecord } from "./upload-record.js";

export type { UploadRecord };

/** Where and how a client uploads one missing blob. */
export type UploadTarget =
  /**
   * `complete`: call blobs.complete (with `uploadId`) after the PUT — a presigned PUT to a bucket
   * staging key; false for the server's own route.
   */
  | {
      kind: "put";
      url: string;
      headers: Record<string, string>;
      complete: boolean;
      uploadId?: string;
    }
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
 * Blob possession and transfer (the trust rule, docs/security.md): a blob is reported "not missing"
 * only when the caller's possession entities (the acting user, and the project's entity when the
 * caller is a member) proved possession before. Everything else is "missing", even when another
 * tenant stored the same bytes: the client uploads them (which proves possession), the bytes are
 * stored once. Upload targets, completes, errors and the work done never depend on whether anyone
 * else stores the digest: a bucket store presigns uploads to staging keys of their own, verified
 * and moved into place by blobs.complete, whether or not the blob is stored (docs/security.md).
 */
export function createBlobsService(deps: ServiceDeps) {
  const { db, blobs } = deps;

  /** URL of the server's own byte route for `digest` with a signed token. */
  function serverUrl(
    digest: string,
    claims: { op: "put" | "get"; e?: string[]; s?: number },
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

  /** One transaction, three statements of array parameters, for a whole batch of uploads. */
  async function recordBatch(batch: UploadRecord[]): Promise<void> {
    // ON CONFLICT DO UPDATE may not touch a row twice in one statement: dedupe. Sorting gives
    // every process the same lock order, so two servers' batches cannot deadlock.
    const sizes = new Map<string, number>();
    const owners = new Map<string, { entity_id: string; digest: string }>();
    for (const r of batch) {
      if (!sizes.has(r.digest)) sizes.set(r.digest, r.size);
      owners.set(`${r.entityId}/${r.digest}`, { entity_id: r.entityId, digest: r.digest });
    }
    const blobRows = [...sizes]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([digest, size]) => ({ digest, size }));
    const ownerRows = [...owners.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, row]) => row);
    const now = nowOf(deps);
    // Array parameters and unnest: one short statement per table whatever the batch size (a
    // multi-row VALUES list of 500 rows costs PGlite ~7× more to parse and bind).
    await db.transaction().execute(async (trx) => {
      await sql`
        insert into blobs (digest, size, verified)
        select t.digest, t.size, true
        from unnest(${blobRows.map((r) => r.digest)}::text[], ${blobRows.map((r) => r.size)}::bigint[])
          as t(digest, size)
        on conflict (digest) do update set verified = true, last_referenced_at = ${now}
      `.execute(trx);
      const ownerEntities = ownerRows.map((r) => r.entity_id);
      const ownerDigests = ownerRows.map((r) => r.digest);
      await sql`
        insert into blob_owners (entity_id, digest, verified)
        select t.entity_id, t.digest, true
        from unnest(${ownerEntities}::text[], ${ownerDigests}::text[]) as t(entity_id, digest)
        on conflict (entity_id, digest) do nothing
      `.execute(trx);
      await sql`
        update upload_sessions us set state = 'completed'
        from unnest(${ownerEntities}::text[], ${ownerDigests}::text[]) as t(entity_id, digest)
        where us.state = 'pending' and us.entity_id = t.entity_id and us.digest = t.digest
      `.execute(trx);
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
      const owners = possessionEntities(actor?.userId ?? null, project);
      const wanted = new Map(input.blobs.map((b) => [b.digest, b.size]));
      const digests = [...wanted.keys()];
      const owned = new Set<string>();
      for (let i = 0; i < digests.length; i += 5000) {
        const rows = await db
          .selectFrom("blob_owners")
          .select("digest")
          .distinct()
          .where("entity_id", "in", owners)
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
          missing[i] = { digest, size, upload: await uploadTarget(digest, size, owners) };
        }
      };
      await Promise.all(Array.from({ length: TARGET_CONCURRENCY }, lookup));
      if (missing.length > 0) {
        const expiresAt = new Date(nowOf(deps).getTime() + UPLOAD_URL_TTL_SECONDS * 1000);
        // The uploader's own sessions (blobs.complete finds them by the acting user), with the
        // store's upload id (a multipart upload's, or a staged presigned PUT's); one statement
        // of array parameters per 5,000.
        for (let i = 0; i < missing.length; i += 5000) {
          const slice = missing.slice(i, i + 5000);
          await sql`
            insert into upload_sessions
              (entity_id, digest, size, multipart_upload_id, direct, expires_at)
            select ${owners[0]!}, t.digest, t.size, t.upload_id, t.direct, ${expiresAt}
            from unnest(
              ${slice.map((m) => m.digest)}::text[],
              ${slice.map((m) => m.size)}::bigint[],
              ${slice.map((m) => m.upload.uploadId ?? null)}::text[],
              ${slice.map((m) => m.upload.kind === "put" && m.upload.complete)}::boolean[]
            ) as t(digest, size, upload_id, direct)
          `.execute(db);
        }
      }
      // Small blobs headed for the server's own route may travel together in bundles.
      const viaServer = missing.some(
        (m) => m.upload.kind === "put" && !m.upload.complete && m.size <= BUNDLE_MAX_BLOB_SIZE,
      );
      return { missing, bundle: viaServer ? bundleTarget(owners) : null };
    },

    /**
     * Receives a bundle of blobs on the server's bundle route (see {@link receiveBundle}) and
     * records the entity's ownership of each.
     */
    receiveBundle(input: {
      entityIds: readonly string[];
      body: AsyncIterable<Uint8Array>;
    }): Promise<BundleUploadResult> {
      return receiveBundle(deps, recordUpload, input);
    },

    /**
     * Completes a presigned upload to a bucket staging key (a PUT, or a multipart upload): the
     * store verifies the staged bytes before they are stored under the digest and only then is
     * possession recorded. A wrong upload is deleted and refused with DIGEST_MISMATCH.
     */
    async complete(actor: Actor | null, input: BlobCompleteInput): Promise<{ ok: true }> {
      const project = await resolveProject(db, actor, input, "write");
      const owners = possessionEntities(actor?.userId ?? null, project);
      // Only the caller's own upload session can be completed: a digest alone proves nothing, and
      // the refusal is the same whether or not anyone stores the blob (no size, no existence).
      const session = await db
        .selectFrom("upload_sessions")
        .select(["id", "size", "direct", "multipart_upload_id"])
        .where("entity_id", "=", owners[0] ?? "")
        .where("digest", "=", input.digest)
        .where("state", "=", "pending")
        .where("expires_at", ">", nowOf(deps))
        .where((eb) => {
          if (input.multipart) return eb("multipart_upload_id", "=", input.multipart.uploadId);
          const direct = eb("direct", "=", true);
          // Older clients name no upload: their newest presigned PUT of the blob is the one.
          return input.uploadId === undefined
            ? direct
            : eb.and([direct, eb("multipart_upload_id", "=", input.uploadId)]);
        })
        .orderBy("created_at", "desc")
        .executeTakeFirst();
      if (!session || Number(session.size) !== input.size || !session.multipart_upload_id) {
        throw nothingToComplete(input.digest);
      }
      // The store verifies the staged bytes and moves them into place: the same work whether or
      // not anyone stored the blob before, so neither the answer nor its timing tells.
      try {
        if (input.multipart) {
          await blobs.completeMultipart(
            input.digest,
            input.multipart.uploadId,
            input.multipart.parts,
          );
        } else {
          await blobs.completePut(input.digest, session.multipart_upload_id, input.size);
        }
      } catch (error) {
        if ((error as { code?: unknown }).code === "NOT_FOUND")
          throw nothingToComplete(input.digest);
        throw error;
      }
      await recordOwners(input.digest, input.size, owners);
      return { ok: true };
    },

    /**
     * Receives bytes on the server's own upload route. The store always writes them (to a temp
     * file, fsynced, hashed): content already stored is then discarded, so a fresh upload and a
     * repeated one do the same work and a bad upload never replaces good bytes.
     */
    async receiveUpload(input: {
      digest: string;
      size: number;
      entityIds: readonly string[];
      body: Readable | AsyncIterable<Uint8Array>;
    }): Promise<void> {
      await blobs.put(input.digest, input.body, { size: input.size });
      await recordOwners(input.digest, input.size, input.entityIds);
    },

    /** A download URL per digest (presigned GET, or the server's byte route with a token). */
    async downloadUrl(digest: string): Promise<{ url: string; headers: Record<string, string> }> {
      const presigned = await blobs.presignGet(digest, { expiresIn: UPLOAD_URL_TTL_SECONDS });
      if (presigned) return { url: presigned.url, headers: presigned.headers };
      return { url: serverUrl(digest, { op: "get" }), headers: {} };
    },
  };

  /** Records possession of a verified blob for each of `entityIds`. */
  async function recordOwners(
    digest: string,
    size: number,
    entityIds: readonly string[],
  ): Promise<void> {
    await Promise.all(entityIds.map((entityId) => recordUpload({ digest, size, entityId })));
  }

  function bundleTarget(entityIds: readonly string[]): BundleTarget {
    const token = signByteToken(deps.signingSecret, {
      d: BUNDLE_TOKEN_SUBJECT,
      op: "put-bundle",
      e: [...entityIds],
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
    owners: readonly string[],
  ): Promise<UploadTarget> {
    // A blob small enough for a pack always goes through the server, which verifies and packs it
    // (no store lookup: a million-file log is a million fewer index queries).
    const packed = isPackedStore(blobs) && size <= blobs.packs.threshold;
    // A store that cannot presign (the directory store) answers by size alone, never by whether
    // the blob is stored: big blobs in parts on the server's part route (each part durable, so an
    // interrupted upload resumes), the rest on the server's byte route.
    if (!packed && blobs.kind === "s3") {
      const direct = await presignedTarget(digest, size);
      if (direct) return direct;
    } else if (!packed && size >= MULTIPART_THRESHOLD) {
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
    return {
      kind: "put",
      url: serverUrl(digest, { op: "put", e: [...owners], s: size }),
      headers: {},
      complete: false,
    };
  }

  /**
   * A presigned bucket upload to a staging key, or null. Chosen by the size alone: no lookup of
   * whether the blob is stored (the staging key makes an unverified PUT harmless), so the plan is
   * the same for a digest another tenant stores and for one nobody does.
   */
  async function presignedTarget(digest: string, size: number): Promise<UploadTarget | null> {
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
    }
    const staged = await blobs.presignPut(digest, size, { expiresIn: UPLOAD_URL_TTL_SECONDS });
    if (staged)
      return {
        kind: "put",
        url: staged.url,
        headers: staged.headers,
        complete: true,
        uploadId: staged.uploadId,
      };
    return null;
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

/** The one refusal of blobs.complete without a matching upload of the caller's. */
function nothingToComplete(digest: string): CairnError {
  return new CairnError(
    "NOT_FOUND",
    `No upload of blob ${digest} with that size is waiting to be completed for you: call blobs.missing, upload the bytes to the target it gives, and complete only a presigned ("complete": true) or multipart upload.`,
    { details: { digest } },
  );
}
