import type { Readable } from "node:stream";

/** Bytes accepted by {@link BlobStore.put}: a buffer, any async iterable of byte chunks, or a Node stream. */
export type BlobBody = Uint8Array | AsyncIterable<Uint8Array> | Readable;

/** Options of {@link BlobStore.put}. */
export interface PutOptions {
  /** Declared byte length; when given, a body of any other length is refused. */
  size?: number;
}

/** A byte range of {@link BlobStore.get}; both ends are inclusive, as in an HTTP `Range` header. */
export interface ByteRange {
  /** First byte to return (default 0). */
  start?: number;
  /** Last byte to return, inclusive (default: the last byte of the blob; clamped to it). */
  end?: number;
}

/** One stored blob as reported by {@link BlobStore.list} (the input of garbage collection). */
export interface BlobInfo {
  digest: string;
  size: number;
  /** When the blob was last written; GC keeps recent blobs so in-flight commits are not raced. */
  modifiedAt: Date;
}

/** The outcome of {@link BlobStore.verify}. */
export interface VerifyResult {
  /** True when the stored bytes hash to the digest they are stored under. */
  ok: boolean;
  /** The SHA-256 actually computed, when the bytes could be read (absent if decryption failed). */
  actual?: string;
}

/** A presigned request a client performs itself, so bytes go straight to or from the bucket. */
export interface PresignedRequest {
  url: string;
  method: "PUT" | "GET";
  /** Headers the client must send verbatim (they are part of the signature). */
  headers: Record<string, string>;
}

/**
 * A presigned PUT to a staging key of the upload's own, never to the blob's address: the bytes
 * become the blob only through {@link BlobStore.completePut}, which verifies them. So an upload
 * plan never depends on whether the blob is stored, and unverified bytes never replace good ones.
 */
export interface StagedPut extends PresignedRequest {
  /** Names the staging key; pass it to {@link BlobStore.completePut}. */
  uploadId: string;
}

/** Options of presigning calls. */
export interface PresignOptions {
  /** Seconds the URL stays valid. */
  expiresIn: number;
}

/** A started multipart upload with one presigned PUT URL per part. */
export interface MultipartUpload {
  uploadId: string;
  /** Parts to upload, in order; every part but the last is exactly `partSize` bytes. */
  parts: Array<{ partNumber: number; url: string; size: number }>;
}

/**
 * A started multipart upload whose parts are handed to {@link BlobStore.putPart} (stores that cannot
 * presign): the server builds one URL per part on its own byte route and relays each part's bytes.
 */
export interface UnsignedMultipartUpload {
  uploadId: string;
  /** Parts to upload, in order; every part but the last is exactly `partSize` bytes. */
  parts: Array<{ partNumber: number; size: number }>;
}

/** A part the client uploaded, with the `ETag` response header the bucket returned for it. */
export interface CompletedPart {
  partNumber: number;
  etag: string;
}

/**
 * A content-addressed blob store. A blob's address is its digest: the lowercase hex SHA-256 of its
 * plaintext bytes. Every write path checks that the bytes hash to the digest, so a store never
 * serves bytes under a digest they do not match.
 */
export interface BlobStore {
  /** Which implementation this is (`"fs"` or `"s3"`), for logs and diagnostics. */
  readonly kind: "fs" | "s3";
  /** True when a blob with this digest is stored. */
  has(digest: string): Promise<boolean>;
  /** The blob's plaintext size, or `null` when it is not stored. */
  stat(digest: string): Promise<{ size: number } | null>;
  /**
   * Stores `body` under `digest`, hashing while writing. Throws `DIGEST_MISMATCH` (leaving nothing
   * addressable) when the bytes do not hash to `digest` or differ from the declared `size`.
   * Re-putting a stored blob is allowed and refreshes its modification time.
   */
  put(digest: string, body: BlobBody, options?: PutOptions): Promise<{ size: number }>;
  /** Streams the blob (or an inclusive byte range of it). Throws `NOT_FOUND` when missing. */
  get(digest: string, range?: ByteRange): Promise<Readable>;
  /** Removes the blob; deleting a missing blob is not an error (GC may race another GC). */
  delete(digest: string): Promise<void>;
  /** Every stored blob, in no particular order. */
  list(): AsyncIterable<BlobInfo>;
  /** Re-reads the stored bytes and recomputes their SHA-256. Throws `NOT_FOUND` when missing. */
  verify(digest: string): Promise<VerifyResult>;
  /**
   * A presigned PUT to a fresh staging key (see {@link StagedPut}), or `null` when the store cannot
   * presign (the server then offers its own upload route). Nothing is stored under `digest` until
   * {@link BlobStore.completePut}; the same plan is returned whether or not the blob is stored.
   */
  presignPut(digest: string, size: number, options: PresignOptions): Promise<StagedPut | null>;
  /**
   * Moves a staged PUT into place after verifying it: the staged bytes must be `size` bytes that
   * hash to `digest` (else `DIGEST_MISMATCH`, and the staged object is deleted). The work done is
   * the same whether or not the blob was already stored (it is then rewritten with the same
   * bytes). Throws `NOT_FOUND` when nothing was uploaded to the staging key (or it was completed,
   * aborted or swept).
   */
  completePut(digest: string, uploadId: string, size: number): Promise<{ size: number }>;
  /** A presigned GET for the blob, or `null` when the store cannot presign. */
  presignGet(digest: string, options: PresignOptions): Promise<PresignedRequest | null>;
  /**
   * Starts a presigned multipart upload to a staging key (as {@link BlobStore.presignPut}), or
   * returns `null` when the store cannot presign. {@link BlobStore.completeMultipart} assembles,
   * verifies and moves it into place.
   */
  createMultipart(
    digest: string,
    size: number,
    partSize: number,
    options?: PresignOptions,
  ): Promise<MultipartUpload | null>;
  /**
   * Starts a multipart upload whose parts go through {@link BlobStore.putPart} rather than presigned
   * URLs, or returns `null` when the store presigns its parts instead (S3). Parts are stored durably,
   * so an upload survives a restart of the server process and the client can resume it. Throws
   * `INVALID_INPUT` for a part size outside 5 MiB–5 GiB (the same limits as S3).
   */
  createUnsignedMultipart(
    digest: string,
    size: number,
    partSize: number,
  ): Promise<UnsignedMultipartUpload | null>;
  /**
   * Stores part `partNumber` of an upload from {@link BlobStore.createUnsignedMultipart}, durably,
   * replacing an earlier upload of the same part, and returns its quoted `etag` (the part's SHA-256)
   * for {@link BlobStore.completeMultipart}. `size` must be the part's planned size and the body
   * exactly that long. Throws `NOT_FOUND` for an unknown (completed, aborted) upload.
   */
  putPart(
    digest: string,
    uploadId: string,
    partNumber: number,
    body: BlobBody,
    size: number,
  ): Promise<{ etag: string }>;
  /**
   * Completes a multipart upload and verifies the assembled bytes before they are stored under
   * `digest`: on a digest mismatch they are deleted and `DIGEST_MISMATCH` thrown. The work done is
   * the same whether or not the blob was already stored.
   */
  completeMultipart(
    digest: string,
    uploadId: string,
    parts: CompletedPart[],
  ): Promise<{ size: number }>;
  /** Abandons an upload (multipart, or a staged PUT's upload id) and frees its bytes. */
  abortMultipart(digest: string, uploadId: string): Promise<void>;
  /**
   * Removes in-progress writes (temporary files, multipart parts, staged uploads nobody
   * completed) last modified before `olderThan`: what killed writes and abandoned uploads left
   * behind. Returns how many entries it removed.
   */
  sweepTemporary?(olderThan: Date): Promise<number>;
}
