import type { PackIndex } from "@cairn/core";
import type { S3Sse } from "./sse.js";

/** Options of {@link createS3BlobStore}. */
export interface S3BlobStoreOptions {
  bucket: string;
  /** Endpoint of an S3-compatible server (MinIO, R2, s3rver…); omit for AWS. */
  endpoint?: string;
  region: string;
  /** Static credentials; omit to use the SDK's default provider chain (env, profile, role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style URLs (`endpoint/bucket/key`), needed by most self-hosted servers. */
  forcePathStyle?: boolean;
  /** Key prefix of every blob (default `"blobs/"`); keys are `<prefix>ab/cd/<digest>`. */
  prefix?: string;
  /**
   * The SDK's request checksum / response validation mode. `WHEN_SUPPORTED` (the SDK default)
   * streams uploads with aws-chunked framing that some S3-compatible servers (s3rver) store
   * verbatim, corrupting the object; use `WHEN_REQUIRED` for them.
   */
  checksumMode: "WHEN_REQUIRED" | "WHEN_SUPPORTED";
  /**
   * Sign `x-amz-checksum-sha256` into presigned PUTs so a bucket that enforces checksums (AWS S3)
   * rejects wrong bytes. Off for servers that ignore the header; the server must then `verify()`
   * a presigned upload before a commit references it.
   */
  signSha256Checksum: boolean;
  /** Server-side encryption requested on every write. */
  sse?: S3Sse;
  /** Part size of streamed `put`s (default 8 MiB; S3's minimum is 5 MiB). */
  uploadPartSize?: number;
  /** Parts of one `put` uploaded concurrently (default 4); memory use is about partSize × this. */
  uploadConcurrency?: number;
  /**
   * The pack index (Cairn's database): with it, blobs up to `packThreshold` bytes reach the bucket
   * as pack objects under `<prefix>packs/` built by the server (see docs/storage.md).
   */
  packIndex?: PackIndex;
  /** Largest blob stored in a pack (default 4 MiB). */
  packThreshold?: number;
}
