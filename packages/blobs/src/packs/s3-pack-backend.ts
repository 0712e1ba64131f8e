import { randomBytes } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { CairnError } from "@cairn/core";
import { isMissing, unavailable } from "../s3/s3-errors.js";
import { listObjects } from "../s3/s3-helpers.js";
import { type S3Sse, sseParams } from "../s3/sse.js";
import { packGone } from "./fs-pack-backend.js";
import { encodePackHeader, PACK_HEADER_SIZE, RECORD_HEADER_SIZE } from "./pack-format.js";
import type { PackBackend } from "./pack-types.js";

const PACK_KEY = /^([0-9a-f]{32})\.pack$/;

/** Options of {@link createS3PackBackend}. */
export interface S3PackBackendOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix of the pack objects, e.g. `blobs/packs/`. */
  prefix: string;
  sse?: S3Sse;
}

/**
 * Pack objects in a bucket: objects are immutable, so every `write` (one group commit) is one
 * PutObject of a new, sealed pack `<prefix><id>.pack`; a blob counts only after that PUT returned.
 * Reads are ranged GETs of one record.
 */
export function createS3PackBackend(options: S3PackBackendOptions): PackBackend {
  const { client, bucket, prefix } = options;
  const sse = sseParams(options.sse);
  const keyOf = (packId: string) => `${prefix}${packId}.pack`;
  const fail = (error: unknown, action: string) => unavailable(error, bucket, action);

  return {
    async write(records) {
      const packId = randomBytes(16).toString("hex");
      const body = Buffer.concat([encodePackHeader(false), ...records]);
      const payloadOffsets: number[] = [];
      let cursor = PACK_HEADER_SIZE;
      for (const record of records) {
        payloadOffsets.push(cursor + RECORD_HEADER_SIZE);
        cursor += record.length;
      }
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: keyOf(packId),
            Body: body,
            ContentLength: body.length,
            ...sse,
          }),
        );
      } catch (error) {
        throw fail(error, `store pack ${packId}`);
      }
      return { packId, payloadOffsets, end: body.length, sealed: true };
    },
    async read(packId, offset, length) {
      if (length === 0) return Buffer.alloc(0);
      let body: AsyncIterable<Uint8Array>;
      try {
        const response = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: keyOf(packId),
            Range: `bytes=${offset}-${offset + length - 1}`,
          }),
        );
        body = response.Body as AsyncIterable<Uint8Array>;
      } catch (error) {
        if (isMissing(error)) throw packGone(packId, error);
        throw fail(error, `read pack ${packId}`);
      }
      const chunks: Buffer[] = [];
      let got = 0;
      for await (const chunk of body) {
        chunks.push(Buffer.from(chunk));
        got += chunk.byteLength;
      }
      const bytes = Buffer.concat(chunks).subarray(0, length);
      if (got < length) {
        throw new CairnError(
          "DIGEST_MISMATCH",
          `Pack object ${packId} is shorter than its index says (${offset}+${length}).`,
          { details: { packId, offset, length } },
        );
      }
      return bytes;
    },
    async remove(packId) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(packId) }));
      } catch (error) {
        if (!isMissing(error)) throw fail(error, `delete pack ${packId}`);
      }
    },
    async *list() {
      for await (const object of listObjects(client, bucket, prefix, fail, "list packs")) {
        const packId = PACK_KEY.exec(object.key)?.[1];
        if (packId) yield { packId, bytes: object.size, modifiedAt: object.modifiedAt };
      }
    },
    async truncate() {
      // Pack objects are written whole by one PUT: they never have a torn tail.
    },
    currentPack: () => null,
    async close() {},
  };
}
