import { readFile } from "node:fs/promises";
import { MAX_MANIFEST_PAGE, type ManifestEntry } from "@cairn/core";
import { isRetryableTransfer, transferError } from "../transfer/byte-requests.js";
import type { VersionSelector } from "../transfer/download.js";
import { withRetry } from "../transport/retry.js";
import type { ClientContext } from "./context.js";

/** Manifest page size asked for: the server's largest, so a version costs few requests. */
export const MANIFEST_PAGE = MAX_MANIFEST_PAGE;

/**
 * Every entry of a version (or only those under `prefix`, filtered by the server), one request
 * per page of 10,000 (never one per file).
 */
export async function fetchManifest(
  ctx: ClientContext,
  version: VersionSelector,
  options: { prefix?: string } = {},
): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  for await (const page of manifestPages(ctx, version, options)) entries.push(...page);
  return entries;
}

/** The pages of {@link fetchManifest}, each asked for only when the previous one was consumed. */
export async function* manifestPages(
  ctx: ClientContext,
  version: VersionSelector,
  options: { prefix?: string } = {},
): AsyncGenerator<ManifestEntry[]> {
  let cursor: string | undefined;
  for (;;) {
    const page = await ctx.call((t) =>
      t.artifacts.manifest.query({
        ...version,
        limit: MANIFEST_PAGE,
        ...(options.prefix ? { prefix: options.prefix } : {}),
        ...(cursor === undefined ? {} : { cursor }),
      }),
    );
    yield page.entries;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

/**
 * Reads one stored entry's bytes (for `artifact.get(name)`): from the blob cache when there,
 * else fetched through `artifacts.fileUrls`, verified and cached first.
 */
export async function readEntryBytes(
  ctx: ClientContext,
  version: VersionSelector,
  entry: ManifestEntry,
): Promise<Uint8Array> {
  if (!(await ctx.cache.has(entry.digest))) {
    const { urls } = await ctx.call((t) =>
      t.artifacts.fileUrls.query({ ...version, digests: [entry.digest] }),
    );
    const target = urls[0]!;
    await withRetry(
      async () => {
        const response = await ctx.fetch(target.url, { headers: target.headers });
        if (!response.ok || !response.body)
          throw await transferError(response, `Downloading ${entry.path}`);
        await ctx.cache.put(entry.digest, response.body);
      },
      isRetryableTransfer,
      ctx.retry,
    );
  }
  return readFile(ctx.cache.pathOf(entry.digest));
}
