import { S3Client } from "@aws-sdk/client-s3";
import type { S3BlobStoreOptions } from "./s3-blob-store.js";

/** The SDK client of a bucket store (one per store; the pack backend shares it). */
export function createS3Client(options: S3BlobStoreOptions): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    forcePathStyle: options.forcePathStyle ?? false,
    requestChecksumCalculation: options.checksumMode,
    responseChecksumValidation: options.checksumMode,
  });
}
