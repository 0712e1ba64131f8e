import { createHash } from "node:crypto";
import {
  CairnError,
  isDirectoryMarkerKey,
  type ManifestEntry,
  type ParsedReferenceUri,
} from "@cairn/core";
import { resolveBucketReference } from "./bucket-resolve.js";
import { drift } from "./reference-errors.js";
import { isChecksumless, type SchemeResolver } from "./types.js";
import { writeFileAtomicDeferred } from "./write-atomic.js";

/** The public GCS JSON API endpoint. */
export const GCS_DEFAULT_ENDPOINT = "https://storage.googleapis.com";

/** Options of {@link createGcsResolver}. */
export interface GcsResolverOptions {
  /** API endpoint (default {@link GCS_DEFAULT_ENDPOINT}); a loopback test server in tests. */
  endpoint?: string;
  /** OAuth2 access token for private buckets (the user's own), or a function returning one. */
  accessToken?: string | (() => Promise<string | undefined>);
  /** The fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** The fields Cairn reads from a GCS object resource. */
interface GcsObject {
  name: string;
  size: string;
  md5Hash?: string;
  etag?: string;
  generation?: string;
}

function bucketKey(parsed: ParsedReferenceUri): { bucket: string; key: string } {
  if (parsed.scheme !== "gs")
    throw new CairnError("INVALID_URI", `The GCS resolver got a ${parsed.scheme}:// URI.`);
  return { bucket: parsed.bucket, key: parsed.key };
}

/**
 * `gs://` references through the GCS JSON API (plain fetch, no SDK). An object records its MD5
 * (base64, the digest; the ETag for composite objects, which have no MD5), its size, and
 * `extra: { etag, versionID: generation }`; a prefix lists `prefix/` with the same
 * `maxObjects` rule as S3. Downloads use `alt=media` pinned to the logged generation and check
 * the MD5 of the bytes received.
 */
export function createGcsResolver(options: GcsResolverOptions = {}): SchemeResolver {
  const endpoint = (options.endpoint ?? GCS_DEFAULT_ENDPOINT).replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;

  const request = async (url: string): Promise<Response> => {
    const token =
      typeof options.accessToken === "function" ? await options.accessToken() : options.accessToken;
    try {
      return await doFetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    } catch (err) {
      throw new CairnError(
        "UNAVAILABLE",
        `Could not reach the GCS API at ${endpoint}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  };

  const failed = (uri: string, response: Response): CairnError =>
    new CairnError(
      response.status === 401 || response.status === 403 ? "FORBIDDEN" : "UNAVAILABLE",
      `GCS answered HTTP ${response.status} for ${uri}. References are read with YOUR Google credentials (pass accessToken for private buckets).`,
      { details: { uri, status: response.status } },
    );

  const objectUrl = (bucket: string, key: string, generation?: string): string =>
    `${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(key)}${generation ? `?generation=${encodeURIComponent(generation)}` : ""}`;

  const getObject = async (
    bucket: string,
    key: string,
    generation?: string,
  ): Promise<GcsObject | undefined> => {
    const response = await request(objectUrl(bucket, key, generation));
    if (response.status === 404) return undefined;
    if (!response.ok) throw failed(`gs://${bucket}/${key}`, response);
    return (await response.json()) as GcsObject;
  };

  const list = async (bucket: string, prefix: string, limit: number): Promise<GcsObject[]> => {
    const out: GcsObject[] = [];
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ prefix, maxResults: String(Math.min(1000, limit + 1)) });
      if (pageToken) query.set("pageToken", pageToken);
      const response = await request(
        `${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o?${query}`,
      );
      if (!response.ok) throw failed(`gs://${bucket}/${prefix}`, response);
      const page = (await response.json()) as { items?: GcsObject[]; nextPageToken?: string };
      for (const item of page.items ?? []) {
        if (isDirectoryMarkerKey(item.name)) continue;
        out.push(item);
        if (out.length > limit) return out;
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  };

  const toEntry = (bucket: string, o: GcsObject, path: string): ManifestEntry => {
    const extra: Record<string, string> = {};
    if (o.etag) extra.etag = o.etag;
    if (o.generation) extra.versionID = o.generation;
    return {
      path,
      digest: o.md5Hash ?? o.etag ?? `gs://${bucket}/${o.name}`,
      size: Number(o.size),
      ref: `gs://${bucket}/${o.name}`,
      extra,
    };
  };

  return {
    async resolve(parsed, opts) {
      const { bucket, key } = bucketKey(parsed);
      return resolveBucketReference(
        {
          scheme: "gs",
          bucket,
          key,
          head: (b, k) => getObject(b, k),
          list,
          keyOf: (o) => o.name,
          toEntry,
        },
        parsed,
        opts,
      );
    },

    async download(entry, parsed, destPath) {
      const { bucket, key } = bucketKey(parsed);
      const uri = `gs://${bucket}/${key}`;
      const pinned = !isChecksumless(entry);
      const generation =
        pinned && typeof entry.extra?.versionID === "string" ? entry.extra.versionID : undefined;
      const query = new URLSearchParams({ alt: "media" });
      if (generation) query.set("generation", generation);
      const response = await request(`${objectUrl(bucket, key)}?${query}`);
      if (response.status === 404)
        throw drift(
          uri,
          generation ? `generation ${generation} no longer exists` : "the object no longer exists",
        );
      if (!response.ok || !response.body) throw failed(uri, response);
      const md5 = createHash("md5");
      const pending = await writeFileAtomicDeferred(destPath, response.body, (chunk) =>
        md5.update(chunk),
      );
      const actual = md5.digest("base64");
      // The digest is the MD5 unless the object is composite (then it is the ETag: not checkable).
      const expectMd5 =
        pinned && /^[A-Za-z0-9+/]{22}==$/.test(entry.digest) ? entry.digest : undefined;
      if (expectMd5 && actual !== expectMd5) {
        await pending.discard();
        throw drift(uri, `the MD5 of the bytes served is ${actual}, ${expectMd5} was logged`);
      }
      await pending.commit();
    },

    async verify(entry, parsed) {
      const { bucket, key } = bucketKey(parsed);
      const generation =
        typeof entry.extra?.versionID === "string" ? entry.extra.versionID : undefined;
      let object: GcsObject | undefined;
      try {
        object = await getObject(bucket, key, isChecksumless(entry) ? undefined : generation);
      } catch (err) {
        return { ok: false, drifted: (err as Error).message };
      }
      if (!object)
        return {
          ok: false,
          drifted: generation
            ? `generation ${generation} no longer exists`
            : "the object no longer exists",
        };
      if (isChecksumless(entry)) return { ok: true };
      const current = toEntry(bucket, object, entry.path);
      if (current.digest !== entry.digest)
        return { ok: false, drifted: `checksum changed from ${entry.digest} to ${current.digest}` };
      if (entry.size !== null && current.size !== entry.size) {
        return { ok: false, drifted: `size changed from ${entry.size} to ${current.size} bytes` };
      }
      return { ok: true };
    },
  };
}
