import {
  CairnError,
  type ManifestEntry,
  nameForReference,
  type ParsedReferenceUri,
} from "@cairn/core";
import { drift } from "./reference-errors.js";
import { isChecksumless, type SchemeResolver, unquoteEtag, type VerifyResult } from "./types.js";
import { writeFileAtomicDeferred } from "./write-atomic.js";

/** Options of {@link createHttpResolver}. */
export interface HttpResolverOptions {
  /** The fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Extra request headers, e.g. an Authorization header for a private server. */
  headers?: Record<string, string>;
}

function urlOf(parsed: ParsedReferenceUri): string {
  if (parsed.scheme !== "http" && parsed.scheme !== "https") {
    throw new CairnError("INVALID_URI", `The HTTP resolver got a ${parsed.scheme}:// URI.`);
  }
  return parsed.url;
}

function statusError(url: string, status: number, what: string): CairnError {
  const code =
    status === 404 || status === 410
      ? "NOT_FOUND"
      : status === 401 || status === 403
        ? "FORBIDDEN"
        : "UNAVAILABLE";
  return new CairnError(
    code,
    `${what} ${url} failed with HTTP ${status}. Check that the URL is reachable from this machine (and any credentials headers), or add it with { checksum: false } to record only the URI.`,
    { details: { url, status } },
  );
}

/**
 * `http(s)://` references: `HEAD` records the ETag (quotes removed; the digest) and the
 * Content-Length (the size). A server without ETag gets the URL as digest: the reference is
 * then tracked by location only, as W&B does.
 */
export function createHttpResolver(options: HttpResolverOptions = {}): SchemeResolver {
  const doFetch = options.fetch ?? fetch;
  const headers = options.headers ?? {};

  const head = async (url: string): Promise<{ etag: string | undefined; size: number | null }> => {
    const response = await doFetch(url, { method: "HEAD", headers, redirect: "follow" });
    if (!response.ok) throw statusError(url, response.status, "HEAD");
    const etagHeader = response.headers.get("etag");
    const length = response.headers.get("content-length");
    return {
      etag: etagHeader ? unquoteEtag(etagHeader) : undefined,
      size: length !== null && /^\d+$/.test(length) ? Number(length) : null,
    };
  };

  return {
    async resolve(parsed, opts) {
      const url = urlOf(parsed);
      const { etag, size } = await head(url);
      const entry: ManifestEntry = {
        path: nameForReference(parsed, { name: opts.name }),
        digest: etag ?? url,
        size,
        ref: url,
      };
      if (etag) entry.extra = { etag };
      return [entry];
    },

    async download(entry, parsed, destPath) {
      const url = urlOf(parsed);
      const response = await doFetch(url, { headers, redirect: "follow" });
      if (!response.ok || !response.body) throw statusError(url, response.status, "GET");
      const recorded = typeof entry.extra?.etag === "string" ? entry.extra.etag : undefined;
      const served = response.headers.get("etag");
      if (!isChecksumless(entry) && recorded && (!served || unquoteEtag(served) !== recorded)) {
        await response.body.cancel();
        throw drift(url, `its ETag is now ${served ?? "absent"}, it was "${recorded}" when logged`);
      }
      const pending = await writeFileAtomicDeferred(destPath, response.body);
      if (!isChecksumless(entry) && entry.size !== null && pending.bytes !== entry.size) {
        await pending.discard();
        throw drift(url, `${pending.bytes} bytes were served, ${entry.size} were logged`);
      }
      await pending.commit();
    },

    async verify(entry, parsed): Promise<VerifyResult> {
      const url = urlOf(parsed);
      let current: { etag: string | undefined; size: number | null };
      try {
        current = await head(url);
      } catch (err) {
        return { ok: false, drifted: (err as Error).message };
      }
      if (isChecksumless(entry)) return { ok: true };
      const recorded = typeof entry.extra?.etag === "string" ? entry.extra.etag : undefined;
      if (recorded && current.etag !== recorded) {
        return {
          ok: false,
          drifted: `ETag changed from "${recorded}" to "${current.etag ?? "(none)"}"`,
        };
      }
      if (entry.size !== null && current.size !== null && current.size !== entry.size) {
        return { ok: false, drifted: `size changed from ${entry.size} to ${current.size} bytes` };
      }
      return { ok: true };
    },
  };
}
