import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CairnError, isCairnError, type ManifestEntry } from "@cairn/core";
import { type BlobCache, createBlobCache } from "../cache/blob-cache.js";
import { createProgressTracker, type ProgressListener } from "../progress.js";
import type { ClientContext } from "../remote/context.js";
import { withRetry } from "../transport/retry.js";
import { isRetryableTransfer, transferError } from "./byte-requests.js";
import { chunk, mapWithConcurrency } from "./pool.js";

/** Which version the files belong to (file URLs are only served for that version's entries). */
export interface VersionSelector {
  entity: string;
  project: string;
  /** `name:vN`. */
  ref: string;
}

/** Options of {@link downloadEntries}. */
export interface DownloadEntriesOptions {
  /** Do not keep fetched blobs in the shared cache (they still go through a verifying temp cache). */
  skipCache?: boolean | undefined;
  onProgress?: ProgressListener | undefined;
}

/** What a download did. */
export interface DownloadStats {
  /** Files already in `root` with the right digest. */
  present: number;
  /** Files linked from the local blob cache. */
  fromCache: number;
  /** Blobs fetched from the server. */
  fetched: number;
  /** Reference entries downloaded from their source. */
  references: number;
}

/**
 * Digests per `artifacts.fileUrlsBatch` request. That procedure is a mutation, so the digests go
 * in a POST body instead of the URL (the `fileUrls` GET fit only ~90 under Node's 16 KiB header
 * limit); 1,000 keeps round trips rare while the first downloads start soon after the first batch.
 */
export const FILE_URL_BATCH = 1_000;

/**
 * Files checked in `root` and linked from the cache at once: each is a few metadata syscalls on
 * the local disk (no bytes copied), so more than the network's transfer concurrency pays off.
 */
export const LOCAL_CONCURRENCY = 32;

/**
 * Places `entries` below `root`: entries whose file is already there with the right digest are
 * skipped (hashed through the digest cache), cached blobs are hard-linked from the blob cache, the
 * rest are fetched from `artifacts.fileUrls` targets in batches, verified byte for byte by the
 * cache, and linked. References download through their scheme's resolver.
 */
export async function downloadEntries(
  ctx: ClientContext,
  version: VersionSelector,
  entries: readonly ManifestEntry[],
  root: string,
  options: DownloadEntriesOptions = {},
): Promise<DownloadStats> {
  const stats: DownloadStats = { present: 0, fromCache: 0, fetched: 0, references: 0 };
  const stored = entries.filter((e) => e.ref === undefined);
  const references = entries.filter((e) => e.ref !== undefined);
  const destOf = (e: ManifestEntry): string => join(root, ...e.path.split("/"));

  // 1. What is already in place: same size first (cheap, no hashing of absent files), then the
  // digest (cached by mtime).
  const sizes = await mapWithConcurrency(stored, LOCAL_CONCURRENCY, (e) =>
    stat(destOf(e)).catch(() => undefined),
  );
  const sizeMatches = stored.filter((e, i) => {
    const s = sizes[i];
    return s?.isFile() === true && s.size === e.size;
  });
  const present = new Set<string>();
  if (sizeMatches.length > 0) {
    const hashed = await ctx.hasher.hashFiles(sizeMatches.map(destOf));
    sizeMatches.forEach((e, i) => {
      if (hashed[i]!.digest === e.digest) present.add(e.path);
    });
  }
  const todo = stored.filter((e) => !present.has(e.path));
  stats.present = present.size;

  const tracker = createProgressTracker({
    phase: "download",
    filesTotal: todo.length + references.length,
    bytesTotal: [...todo, ...references].reduce((n, e) => n + (e.size ?? 0), 0),
    onProgress: options.onProgress ?? ctx.onProgress,
  });

  let tempDir: string | undefined;
  let cache: BlobCache = ctx.cache;
  if (options.skipCache) {
    tempDir = await mkdtemp(join(tmpdir(), "cairn-download-"));
    cache = createBlobCache({ dir: tempDir });
  }
  try {
    // 2. Link what the cache holds straight away (one pass, no separate presence check); the
    // files whose blob is missing are fetched below (the temp cache of skipCache is empty).
    const pending: ManifestEntry[] = [];
    await mapWithConcurrency(todo, LOCAL_CONCURRENCY, async (e) => {
      try {
        await cache.linkInto(e.digest, destOf(e));
      } catch (error) {
        if (!isCairnError(error, "NOT_FOUND")) throw error;
        pending.push(e);
        return;
      }
      stats.fromCache++;
      tracker.advance(1, e.size ?? 0);
    });
    const toFetch = [...new Set(pending.map((e) => e.digest))];

    // 3. Fetch in batches of URLs, each blob once, verified by cache.put.
    for (const batch of chunk(toFetch, FILE_URL_BATCH)) {
      const { urls } = await ctx.call((t) =>
        t.artifacts.fileUrlsBatch.mutate({ ...version, digests: batch }),
      );
      await mapWithConcurrency(urls, ctx.transferConcurrency, async (target) => {
        await withRetry(
          async () => {
            const response = await ctx.fetch(target.url, { headers: target.headers });
            if (!response.ok || !response.body) {
              throw await transferError(response, `Downloading blob ${target.digest}`);
            }
            await cache.put(target.digest, response.body).catch((error: unknown) => {
              throw nameFilesIn(error, target.digest, todo);
            });
          },
          isRetryableTransfer,
          ctx.retry,
        );
        stats.fetched++;
      });
    }

    // 4. Link the fetched files into place.
    await mapWithConcurrency(pending, LOCAL_CONCURRENCY, async (e) => {
      await cache.linkInto(e.digest, destOf(e));
      tracker.advance(1, e.size ?? 0);
    });
    await mapWithConcurrency(references, ctx.transferConcurrency, async (e) => {
      await ctx.resolvers.download(e, destOf(e));
      stats.references++;
      tracker.advance(1, e.size ?? 0);
    });
  } finally {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
  tracker.finish();
  return stats;
}

/**
 * A digest mismatch names the artifact files that share the blob, so the user learns which file
 * is corrupt (the cache only knows the digest).
 */
function nameFilesIn(
  error: unknown,
  digest: string,
  entries: readonly { path: string; digest: string }[],
): unknown {
  if (!isCairnError(error, "DIGEST_MISMATCH")) return error;
  const paths = entries.filter((e) => e.digest === digest).map((e) => e.path);
  const shown =
    paths.slice(0, 3).join(", ") + (paths.length > 3 ? ` and ${paths.length - 3} more` : "");
  return new CairnError("DIGEST_MISMATCH", `Corrupt download of ${shown}: ${error.message}`, {
    cause: error,
    details: { ...error.details, paths },
  });
}
