import {
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { CairnError } from "@cairn/core";
import type { BlobInfo } from "../types.js";

/** Yields at most `limit` bytes of `source`, then stops reading it (which closes it). */
export async function* takeBytes(
  source: AsyncIterable<Uint8Array>,
  limit: number,
): AsyncGenerator<Uint8Array> {
  let left = limit;
  for await (const chunk of source) {
    if (chunk.byteLength >= left) {
      yield chunk.subarray(0, left);
      return;
    }
    left -= chunk.byteLength;
    yield chunk;
  }
}

/** Checks a key prefix and gives it a trailing slash. */
export function normalisePrefix(prefix: string): string {
  if (prefix.startsWith("/") || prefix.includes("//") || prefix.includes("..")) {
    throw new CairnError(
      "INVALID_INPUT",
      `The S3 key prefix "${prefix}" is not allowed: use a relative prefix like "blobs/" without leading "/", "//" or "..".`,
    );
  }
  return prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
}

/**
 * Every object under `prefix`, page by page, with its key relative to the prefix. A failed page
 * throws what `fail(error, action)` makes of it.
 */
export async function* listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  fail: (error: unknown, action: string) => unknown,
  action: string,
): AsyncGenerator<{ key: string; size: number; modifiedAt: Date }> {
  let ContinuationToken: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }),
      );
    } catch (error) {
      throw fail(error, action);
    }
    for (const object of page.Contents ?? []) {
      yield {
        key: object.Key?.slice(prefix.length) ?? "",
        size: object.Size ?? 0,
        modifiedAt: object.LastModified ?? new Date(0),
      };
    }
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
}

/** Every blob under `prefix`, skipping keys that are not `ab/cd/<digest>` (foreign objects). */
export async function* listBlobs(
  client: S3Client,
  bucket: string,
  prefix: string,
  fail: (error: unknown, action: string) => unknown,
): AsyncGenerator<BlobInfo> {
  const pattern = /^([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})$/;
  for await (const object of listObjects(client, bucket, prefix, fail, "list blobs")) {
    const match = pattern.exec(object.key);
    const digest = match?.[3];
    if (!match || !digest?.startsWith(`${match[1]}${match[2]}`)) continue;
    yield { digest, size: object.size, modifiedAt: object.modifiedAt };
  }
}
