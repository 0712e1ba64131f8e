import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { CairnError } from "@cairn/core";
import { assertByteCount } from "../body.js";
import { assertBlobDigest } from "../digest.js";
import type {
  BlobBody,
  CompletedPart,
  MultipartUpload,
  PresignOptions,
  PutOptions,
  StagedPut,
} from "../types.js";
import { planParts } from "./multipart.js";
import { isMissing, s3ErrorName } from "./s3-errors.js";
import { listObjects } from "./s3-helpers.js";
import type { S3BlobStoreOptions } from "./s3-options.js";
import { sseHeaders, sseParams } from "./sse.js";

const STAGING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the bucket store lends its staged uploads. */
export interface S3StagingDeps {
  client: S3Client;
  options: S3BlobStoreOptions;
  /** The store's key prefix (normalised); staged uploads live under `<prefix>staging/`. */
  prefix: string;
  /** The content-addressed key of a blob. */
  keyOf(digest: string): string;
  /** The store's verifying `put`, which staged bytes are streamed into. */
  put(digest: string, body: BlobBody, options?: PutOptions): Promise<{ size: number }>;
  fail(error: unknown, action: string): unknown;
}

function unknownUpload(digest: string, uploadId: string, cause?: unknown): CairnError {
  return new CairnError(
    "NOT_FOUND",
    `Upload ${String(uploadId).slice(0, 80)} of blob ${digest} has nothing to complete (never uploaded, completed, aborted or expired): start a new upload with blobs.missing.`,
    { cause, details: { digest, uploadId } },
  );
}

/**
 * Presigned uploads to staging keys (`<prefix>staging/<uuid>`), never to a blob's own key. A
 * client's bytes become the blob only when the server completes the upload: it streams the staged
 * object through the store's verifying `put` (hashing exactly the bytes it writes, so a client
 * re-PUTting the staging key meanwhile cannot slip anything in) and deletes the staged object.
 * That is the same work whether or not the blob was already stored: the plan, the answer and the
 * work of a complete do not tell a caller whether anyone else stores the digest.
 *
 * With `signSha256Checksum`, a single PUT carries the signed SHA-256, so the bucket itself
 * refuses wrong bytes at the staging key (then and on any later PUT to the same URL): completing
 * it is a server-side copy, without reading the bytes back.
 *
 * A multipart upload id is `<staging uuid>.<the bucket's upload id>`. Staged objects nobody
 * completed are removed by {@link S3Staging.sweep}; unfinished multipart uploads are aborted when
 * their upload session expires (and a bucket lifecycle rule should abort stragglers).
 */
export function createS3Staging(deps: S3StagingDeps) {
  const { client, options, prefix } = deps;
  const bucket = options.bucket;
  const sse = sseParams(options.sse);
  const stagingPrefix = `${prefix}staging/`;

  function stagingKey(digest: string, stagingId: string): string {
    assertBlobDigest(digest);
    if (typeof stagingId !== "string" || !STAGING_ID.test(stagingId)) {
      throw unknownUpload(digest, stagingId);
    }
    return `${stagingPrefix}${stagingId}`;
  }

  /** `<staging uuid>.<bucket upload id>` → both halves, or NOT_FOUND for anything else. */
  function splitMultipartId(digest: string, uploadId: string) {
    const dot = typeof uploadId === "string" ? uploadId.indexOf(".") : -1;
    if (dot <= 0 || dot === uploadId.length - 1) throw unknownUpload(digest, uploadId);
    const key = stagingKey(digest, uploadId.slice(0, dot));
    return { key, bucketUploadId: uploadId.slice(dot + 1) };
  }

  async function deleteStaged(key: string): Promise<void> {
    try {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      if (!isMissing(error)) throw deps.fail(error, "delete a staged upload");
    }
  }

  /**
   * Verifies the staged object at `key` and stores it under `digest`; the staged object is
   * deleted once stored, or when its bytes are wrong (anything else keeps it for a retry).
   */
  async function promote(
    digest: string,
    uploadId: string,
    key: string,
    size: number,
    trustChecksum: boolean,
  ): Promise<{ size: number }> {
    try {
      if (trustChecksum) {
        await copyChecked(digest, uploadId, key, size);
      } else {
        let body: Readable;
        try {
          const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          body = response.Body as Readable;
        } catch (error) {
          if (isMissing(error)) throw unknownUpload(digest, uploadId, error);
          throw deps.fail(error, `read the staged upload of blob ${digest}`);
        }
        await deps.put(digest, body, { size });
      }
    } catch (error) {
      if ((error as { code?: unknown }).code === "DIGEST_MISMATCH") await deleteStaged(key);
      throw error;
    }
    await deleteStaged(key);
    return { size };
  }

  /** A staged PUT whose SHA-256 the bucket enforced: check its size, copy it into place. */
  async function copyChecked(digest: string, uploadId: string, key: string, size: number) {
    let actual: number;
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      actual = head.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) throw unknownUpload(digest, uploadId, error);
      throw deps.fail(error, `stat the staged upload of blob ${digest}`);
    }
    if (actual !== size) {
      throw new CairnError(
        "DIGEST_MISMATCH",
        `The upload of blob ${digest} is ${actual} bytes, not the ${size} declared: upload the file again.`,
        { details: { expected: digest, size: actual } },
      );
    }
    try {
      await client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: deps.keyOf(digest),
          CopySource: `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`,
          ...sse,
        }),
      );
    } catch (error) {
      if (isMissing(error)) throw unknownUpload(digest, uploadId, error);
      throw deps.fail(error, `store the staged upload of blob ${digest}`);
    }
  }

  return {
    async presignPut(
      digest: string,
      size: number,
      { expiresIn }: PresignOptions,
    ): Promise<StagedPut> {
      assertBlobDigest(digest);
      assertByteCount(size, "The blob size");
      const uploadId = randomUUID();
      const checksum = options.signSha256Checksum
        ? { ChecksumSHA256: Buffer.from(digest, "hex").toString("base64") }
        : {};
      const headers: Record<string, string> = { ...sseHeaders(options.sse) };
      if (checksum.ChecksumSHA256) headers["x-amz-checksum-sha256"] = checksum.ChecksumSHA256;
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: stagingKey(digest, uploadId),
        ContentLength: size,
        ...sse,
        ...checksum,
      });
      // These must travel as signed headers: S3 ignores SSE and checksum values in a query string.
      const url = await getSignedUrl(client, command, {
        expiresIn,
        unhoistableHeaders: new Set(Object.keys(headers)),
      });
      return { url, method: "PUT", headers, uploadId };
    },

    async completePut(digest: string, uploadId: string, size: number): Promise<{ size: number }> {
      assertByteCount(size, "The blob size");
      const key = stagingKey(digest, uploadId);
      return promote(digest, uploadId, key, size, options.signSha256Checksum);
    },

    async createMultipart(
      digest: string,
      size: number,
      partSize: number,
      presign: PresignOptions = { expiresIn: 3600 },
    ): Promise<MultipartUpload> {
      const stagingId = randomUUID();
      const Key = stagingKey(digest, stagingId);
      const plan = planParts(size, partSize);
      let created: string | undefined;
      try {
        created = (
          await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key, ...sse }))
        ).UploadId;
      } catch (error) {
        throw deps.fail(error, `start a multipart upload of blob ${digest}`);
      }
      if (!created) throw deps.fail(new Error("no UploadId returned"), "start a multipart upload");
      const UploadId = created;
      const parts = await Promise.all(
        plan.map(async ({ partNumber, size: length }) => {
          const command = new UploadPartCommand({
            Bucket: bucket,
            Key,
            UploadId,
            PartNumber: partNumber,
            ContentLength: length,
          });
          const url = await getSignedUrl(client, command, { expiresIn: presign.expiresIn });
          return { partNumber, url, size: length };
        }),
      );
      return { uploadId: `${stagingId}.${UploadId}`, parts };
    },

    async completeMultipart(
      digest: string,
      uploadId: string,
      parts: CompletedPart[],
    ): Promise<{ size: number }> {
      const { key, bucketUploadId } = splitMultipartId(digest, uploadId);
      const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
      try {
        await client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: bucketUploadId,
            MultipartUpload: {
              Parts: sorted.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
            },
          }),
        );
      } catch (error) {
        if (s3ErrorName(error) === "NoSuchUpload") throw unknownUpload(digest, uploadId, error);
        throw deps.fail(error, `complete the multipart upload of blob ${digest}`);
      }
      // Once completed, no URL the client holds can change the staged object: its size is final.
      let size: number;
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        size = head.ContentLength ?? 0;
      } catch (error) {
        if (isMissing(error)) throw unknownUpload(digest, uploadId, error);
        throw deps.fail(error, `stat the staged upload of blob ${digest}`);
      }
      return promote(digest, uploadId, key, size, false);
    },

    async abort(digest: string, uploadId: string): Promise<void> {
      const multipart = typeof uploadId === "string" && uploadId.includes(".");
      const { key, bucketUploadId } = multipart
        ? splitMultipartId(digest, uploadId)
        : { key: stagingKey(digest, uploadId), bucketUploadId: undefined };
      if (bucketUploadId !== undefined) {
        try {
          await client.send(
            new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: bucketUploadId }),
          );
        } catch (error) {
          const name = s3ErrorName(error);
          // NoSuchUpload: already gone (abort is idempotent). s3rver cannot abort at all (405);
          // its unfinished parts never become an object, so nothing unsafe is left behind.
          if (name !== "NoSuchUpload" && name !== "MethodNotAllowed" && !isMissing(error)) {
            throw deps.fail(error, `abort the multipart upload of blob ${digest}`);
          }
        }
      }
      await deleteStaged(key);
    },

    /** Deletes staged objects last written before `olderThan` (uploads nobody completed). */
    async sweep(olderThan: Date): Promise<number> {
      let removed = 0;
      for await (const object of listObjects(
        client,
        bucket,
        stagingPrefix,
        deps.fail,
        "list staged uploads",
      )) {
        if (object.modifiedAt.getTime() >= olderThan.getTime()) continue;
        await deleteStaged(`${stagingPrefix}${object.key}`);
        removed += 1;
      }
      return removed;
    },
  };
}

export type S3Staging = ReturnType<typeof createS3Staging>;
