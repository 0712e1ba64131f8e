import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import {
  CairnError,
  isDirectoryMarkerKey,
  type ManifestEntry,
  type ParsedReferenceUri,
} from "@cairn/core";
import { resolveBucketReference } from "./bucket-resolve.js";
import { drift } from "./reference-errors.js";
import { isChecksumless, type SchemeResolver, unquoteEtag } from "./types.js";
import { writeFileAtomicDeferred } from "./write-atomic.js";

/** Options of {@link createS3Resolver}: the user's OWN credentials, never Cairn's. */
export interface S3ResolverOptions {
  /** A ready client; when given, the other options are ignored. */
  client?: S3Client;
  /** Region; default: the AWS SDK's own lookup (AWS_REGION, profile). */
  region?: string;
  /** Endpoint of an S3-compatible server (MinIO, R2, s3rver…). */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), needed by most S3-compatible servers. */
  forcePathStyle?: boolean;
  /** Explicit credentials; default: the AWS SDK's default credential chain. */
  credentials?: S3ClientConfig["credentials"];
  /**
   * Only compute/validate request and response checksums when an operation requires them. Some
   * S3-compatible servers (s3rver) mishandle the SDK's default aws-chunked checksums.
   */
  checksumWhenRequired?: boolean;
}

interface ObjectInfo {
  key: string;
  etag: string;
  size: number;
  versionId: string | undefined;
}

function bucketKey(parsed: ParsedReferenceUri): { bucket: string; key: string } {
  if (parsed.scheme !== "s3")
    throw new CairnError("INVALID_URI", `The S3 resolver got a ${parsed.scheme}:// URI.`);
  return { bucket: parsed.bucket, key: parsed.key };
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return (
    name === "NotFound" || name === "NoSuchKey" || name === "NoSuchVersion" || statusOf(err) === 404
  );
}

function s3Error(uri: string, err: unknown, what: string): CairnError {
  if (statusOf(err) === 403 || (err as { name?: string }).name === "AccessDenied") {
    return new CairnError(
      "FORBIDDEN",
      `Access denied to ${uri} while ${what}. References are read with YOUR AWS credentials (the default credential chain or the s3 options): grant them s3:GetObject and s3:ListBucket.`,
      { cause: err, details: { uri } },
    );
  }
  return new CairnError(
    "UNAVAILABLE",
    `S3 failed while ${what} ${uri}: ${(err as Error).message}`,
    {
      cause: err,
      details: { uri },
    },
  );
}

function versionOf(id: string | undefined): string | undefined {
  // Unversioned buckets report the literal "null" version.
  return id && id !== "null" ? id : undefined;
}

/**
 * `s3://` references. A URI naming an object records its ETag (the digest), size and version id;
 * a URI naming a prefix expands to the objects under `prefix/`, at most `maxObjects` — more FAILS
 * with TOO_MANY_OBJECTS rather than silently truncating as W&B does. Listing uses
 * ListObjectVersions (one call gives version ids) and falls back to ListObjectsV2 where versions
 * cannot be listed (no permission, or servers such as s3rver answering 405).
 */
export function createS3Resolver(options: S3ResolverOptions = {}): SchemeResolver {
  let client = options.client;
  const getClient = (): S3Client => {
    client ??= new S3Client({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      followRegionRedirects: true,
      ...(options.checksumWhenRequired
        ? {
            requestChecksumCalculation: "WHEN_REQUIRED",
            responseChecksumValidation: "WHEN_REQUIRED",
          }
        : {}),
    });
    return client;
  };

  const headObject = async (
    bucket: string,
    key: string,
    versionId?: string,
  ): Promise<ObjectInfo | undefined> => {
    try {
      const out = await getClient().send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      );
      return {
        key,
        etag: unquoteEtag(out.ETag ?? ""),
        size: out.ContentLength ?? 0,
        versionId: versionOf(out.VersionId),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw s3Error(`s3://${bucket}/${key}`, err, "reading the metadata of");
    }
  };

  const listWithVersions = async (
    bucket: string,
    prefix: string,
    limit: number,
  ): Promise<ObjectInfo[]> => {
    const out: ObjectInfo[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page = await getClient().send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      );
      for (const v of page.Versions ?? []) {
        if (!v.IsLatest || !v.Key || isDirectoryMarkerKey(v.Key)) continue;
        out.push({
          key: v.Key,
          etag: unquoteEtag(v.ETag ?? ""),
          size: v.Size ?? 0,
          versionId: versionOf(v.VersionId),
        });
        if (out.length > limit) return out;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    return out;
  };

  const listPlain = async (
    bucket: string,
    prefix: string,
    limit: number,
  ): Promise<ObjectInfo[]> => {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await getClient().send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: token,
          MaxKeys: Math.min(1000, limit + 1),
        }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key || isDirectoryMarkerKey(o.Key)) continue;
        out.push({
          key: o.Key,
          etag: unquoteEtag(o.ETag ?? ""),
          size: o.Size ?? 0,
          versionId: undefined,
        });
        if (out.length > limit) return out;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  };

  const list = async (bucket: string, prefix: string, limit: number): Promise<ObjectInfo[]> => {
    try {
      return await listWithVersions(bucket, prefix, limit);
    } catch (err) {
      const status = statusOf(err);
      const name = (err as { name?: string }).name;
      if (
        status !== 405 &&
        status !== 501 &&
        status !== 403 &&
        name !== "NotImplemented" &&
        name !== "MethodNotAllowed"
      ) {
        throw s3Error(`s3://${bucket}/${prefix}`, err, "listing");
      }
    }
    try {
      return await listPlain(bucket, prefix, limit);
    } catch (err) {
      throw s3Error(`s3://${bucket}/${prefix}`, err, "listing");
    }
  };

  const toEntry = (bucket: string, info: ObjectInfo, path: string): ManifestEntry => ({
    path,
    digest: info.etag,
    size: info.size,
    ref: `s3://${bucket}/${info.key}`,
    extra: info.versionId ? { etag: info.etag, versionID: info.versionId } : { etag: info.etag },
  });

  return {
    async resolve(parsed, opts) {
      const { bucket, key } = bucketKey(parsed);
      return resolveBucketReference(
        {
          scheme: "s3",
          bucket,
          key,
          head: (b, k) => headObject(b, k),
          list,
          keyOf: (o) => o.key,
          toEntry,
        },
        parsed,
        opts,
      );
    },

    async download(entry, parsed, destPath) {
      const { bucket, key } = bucketKey(parsed);
      const uri = `s3://${bucket}/${key}`;
      const versionId =
        typeof entry.extra?.versionID === "string" ? entry.extra.versionID : undefined;
      const etag = typeof entry.extra?.etag === "string" ? entry.extra.etag : undefined;
      const pinned = !isChecksumless(entry);
      let body: unknown;
      let servedEtag: string | undefined;
      try {
        const out = await getClient().send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            // The version id pins the exact bytes; without one, If-Match refuses changed objects.
            VersionId: pinned ? versionId : undefined,
            IfMatch: pinned && !versionId && etag ? `"${etag}"` : undefined,
          }),
        );
        body = out.Body;
        servedEtag = out.ETag ? unquoteEtag(out.ETag) : undefined;
      } catch (err) {
        if (statusOf(err) === 412) throw drift(uri, `its ETag is no longer "${etag}"`);
        if (isNotFound(err))
          throw drift(
            uri,
            versionId ? `version ${versionId} no longer exists` : "the object no longer exists",
          );
        throw s3Error(uri, err, "downloading");
      }
      if (pinned && etag && servedEtag && servedEtag !== etag)
        throw drift(uri, `its ETag is now "${servedEtag}", it was "${etag}"`);
      const pending = await writeFileAtomicDeferred(destPath, body as AsyncIterable<Uint8Array>);
      if (pinned && entry.size !== null && pending.bytes !== entry.size) {
        await pending.discard();
        throw drift(uri, `${pending.bytes} bytes were served, ${entry.size} were logged`);
      }
      await pending.commit();
    },

    async verify(entry, parsed) {
      const { bucket, key } = bucketKey(parsed);
      const versionId =
        typeof entry.extra?.versionID === "string" ? entry.extra.versionID : undefined;
      let info: ObjectInfo | undefined;
      try {
        info = await headObject(bucket, key, isChecksumless(entry) ? undefined : versionId);
      } catch (err) {
        return { ok: false, drifted: (err as Error).message };
      }
      if (!info)
        return {
          ok: false,
          drifted: versionId
            ? `version ${versionId} no longer exists`
            : "the object no longer exists",
        };
      if (isChecksumless(entry)) return { ok: true };
      const etag = typeof entry.extra?.etag === "string" ? entry.extra.etag : entry.digest;
      if (info.etag !== etag)
        return { ok: false, drifted: `ETag changed from "${etag}" to "${info.etag}"` };
      if (entry.size !== null && info.size !== entry.size) {
        return { ok: false, drifted: `size changed from ${entry.size} to ${info.size} bytes` };
      }
      return { ok: true };
    },
  };
}
