import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { CairnError } from "@cairn/core";
import {
  assertByteCount,
  digestMismatch,
  type HashState,
  hashingSource,
  sha256Of,
} from "../body.js";
import { assertBlobDigest, shardedPath } from "../digest.js";
import { createPackedStore } from "../packs/packed-store.js";
import { createS3PackBackend } from "../packs/s3-pack-backend.js";
import { assertRangeShape } from "../range.js";
import type { BlobStore, VerifyResult } from "../types.js";
import { createS3Client } from "./s3-client.js";
import { isMissing, s3ErrorName, unavailable } from "./s3-errors.js";
import { listBlobs, normalisePrefix, takeBytes } from "./s3-helpers.js";
import type { S3BlobStoreOptions } from "./s3-options.js";
import { createS3Staging } from "./s3-staging.js";
import { sseParams } from "./sse.js";

export type { S3BlobStoreOptions };

/**
 * A content-addressed store in an S3-compatible bucket. `put` streams through lib-storage while
 * hashing and fails *before completing* the upload when the bytes do not match, so a wrong object
 * never becomes visible; presigned PUT/GET and multipart URLs let clients move bytes directly.
 * Presigned uploads go to staging keys and become blobs only once verified (s3-staging.ts).
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const client = createS3Client(options);
  const loose = createLooseS3BlobStore(options, client);
  if (!options.packIndex) return loose;
  return createPackedStore({
    loose,
    backend: createS3PackBackend({
      client,
      bucket: options.bucket,
      prefix: `${normalisePrefix(options.prefix ?? "blobs/")}packs/`,
      ...(options.sse === undefined ? {} : { sse: options.sse }),
    }),
    index: options.packIndex,
    ...(options.packThreshold === undefined ? {} : { threshold: options.packThreshold }),
    // One write is one PUT: wait up to 50 ms for 16 MiB, so a 10,000-file log is a few dozen PUTs.
    batching: { minBatchBytes: 16 * 1024 * 1024, maxDelayMs: 50, maxBatchBytes: 64 * 1024 * 1024 },
  });
}

function createLooseS3BlobStore(options: S3BlobStoreOptions, client: S3Client): BlobStore {
  const { bucket } = options;
  const prefix = normalisePrefix(options.prefix ?? "blobs/");
  const sse = sseParams(options.sse);
  const keyOf = (digest: string) => {
    assertBlobDigest(digest);
    return `${prefix}${shardedPath(digest)}`;
  };
  const fail = (error: unknown, action: string) => unavailable(error, bucket, action);
  const notFound = (digest: string, cause?: unknown) =>
    new CairnError("NOT_FOUND", `Blob ${digest} is not stored; upload it before reading it.`, {
      cause,
      details: { digest },
    });

  async function open(digest: string, range?: string): Promise<Readable> {
    try {
      const response = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: keyOf(digest), Range: range }),
      );
      return response.Body as Readable;
    } catch (error) {
      if (isMissing(error)) throw notFound(digest, error);
      if (s3ErrorName(error) === "InvalidRange") throw error; // handled by get()
      throw fail(error, `read blob ${digest}`);
    }
  }

  async function hashObject(digest: string): Promise<{ actual: string; size: number }> {
    let size = 0;
    const body = await open(digest);
    const actual = await sha256Of(
      (async function* () {
        for await (const chunk of body as AsyncIterable<Uint8Array>) {
          size += chunk.byteLength;
          yield chunk;
        }
      })(),
    );
    return { actual, size };
  }

  const store: BlobStore = {
    kind: "s3",
    async has(digest) {
      return (await store.stat(digest)) !== null;
    },
    async stat(digest) {
      try {
        const head = await client.send(
          new HeadObjectCommand({ Bucket: bucket, Key: keyOf(digest) }),
        );
        return { size: head.ContentLength ?? 0 };
      } catch (error) {
        if (isMissing(error)) return null;
        throw fail(error, `stat blob ${digest}`);
      }
    },
    async put(digest, body, putOptions = {}) {
      const Key = keyOf(digest);
      if (putOptions.size !== undefined) assertByteCount(putOptions.size, "The declared blob size");
      const state: HashState = { size: 0, actual: undefined };
      let sourceError: unknown;
      const source = (async function* () {
        try {
          yield* hashingSource(body, digest, state, putOptions.size);
        } catch (error) {
          sourceError = error;
          throw error;
        }
      })();
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key, Body: Readable.from(source), ...sse },
        partSize: options.uploadPartSize ?? 8 * 1024 * 1024,
        queueSize: options.uploadConcurrency ?? 4,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (error) {
        // The source's own error (digest mismatch, bad chunk) is the real reason, not the abort.
        throw sourceError ?? fail(error, `store blob ${digest}`);
      }
      if (state.actual !== digest) {
        // Unreachable while hashingSource fails first; kept so a wrong object can never stay.
        await store.delete(digest);
        throw digestMismatch(digest, state.actual ?? "", state.size);
      }
      return { size: state.size };
    },
    async get(digest, range) {
      assertRangeShape(range);
      const start = range?.start ?? 0;
      const wanted = start > 0 || range?.end !== undefined;
      try {
        const body = await open(digest, wanted ? `bytes=${start}-${range?.end ?? ""}` : undefined);
        // Some S3-compatible servers (s3rver) ignore an end of 0; never return more than asked.
        return range?.end === undefined
          ? body
          : Readable.from(takeBytes(body, range.end - start + 1));
      } catch (error) {
        if (s3ErrorName(error) !== "InvalidRange") throw error;
        // S3 answers 416 for any range of an empty object; reading it from 0 is simply empty.
        const size = (await store.stat(digest))?.size;
        if (size === 0 && start === 0) return Readable.from([]);
        throw new CairnError(
          "INVALID_INPUT",
          `Range start ${start} is past the end of the ${size ?? 0}-byte blob ${digest}.`,
          { cause: error, details: { digest, start, size } },
        );
      }
    },
    async delete(digest) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(digest) }));
      } catch (error) {
        if (!isMissing(error)) throw fail(error, `delete blob ${digest}`);
      }
    },
    list() {
      return listBlobs(client, bucket, prefix, fail);
    },
    async verify(digest): Promise<VerifyResult> {
      const { actual } = await hashObject(digest);
      return { ok: actual === digest, actual };
    },
    presignPut: (digest, size, presign) => staging.presignPut(digest, size, presign),
    completePut: (digest, uploadId, size) => staging.completePut(digest, uploadId, size),
    async presignGet(digest, { expiresIn }) {
      const command = new GetObjectCommand({ Bucket: bucket, Key: keyOf(digest) });
      return {
        url: await getSignedUrl(client, command, { expiresIn }),
        method: "GET",
        headers: {},
      };
    },
    createMultipart: (digest, size, partSize, presign) =>
      staging.createMultipart(digest, size, partSize, presign),
    async createUnsignedMultipart(digest) {
      // Parts go straight to the bucket through presigned URLs (createMultipart) instead.
      assertBlobDigest(digest);
      return null;
    },
    async putPart(digest) {
      throw new CairnError(
        "NOT_FOUND",
        `The S3 blob store takes multipart parts only at the presigned URLs of createMultipart; upload the parts of blob ${digest} there.`,
        { details: { digest } },
      );
    },
    completeMultipart: (digest, uploadId, parts) =>
      staging.completeMultipart(digest, uploadId, parts),
    abortMultipart: (digest, uploadId) => staging.abort(digest, uploadId),
    sweepTemporary: (olderThan) => staging.sweep(olderThan),
  };
  const staging = createS3Staging({ client, options, prefix, keyOf, put: store.put, fail });
  return store;
}
