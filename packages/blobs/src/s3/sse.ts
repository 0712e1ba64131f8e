/** Server-side encryption asked of the bucket: S3-managed keys, or KMS (optionally a given key). */
export type S3Sse = { type: "AES256" } | { type: "aws:kms"; kmsKeyId?: string };

/** The SSE parameters of a PutObject / CreateMultipartUpload call (empty without SSE). */
export function sseParams(sse: S3Sse | undefined): {
  ServerSideEncryption?: "AES256" | "aws:kms";
  SSEKMSKeyId?: string;
} {
  if (!sse) return {};
  if (sse.type === "AES256") return { ServerSideEncryption: "AES256" };
  return {
    ServerSideEncryption: "aws:kms",
    ...(sse.kmsKeyId === undefined ? {} : { SSEKMSKeyId: sse.kmsKeyId }),
  };
}

/** The same request as headers, which a client must send with a presigned PUT. */
export function sseHeaders(sse: S3Sse | undefined): Record<string, string> {
  const params = sseParams(sse);
  const headers: Record<string, string> = {};
  if (params.ServerSideEncryption)
    headers["x-amz-server-side-encryption"] = params.ServerSideEncryption;
  if (params.SSEKMSKeyId)
    headers["x-amz-server-side-encryption-aws-kms-key-id"] = params.SSEKMSKeyId;
  return headers;
}
