import { type Stats, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CairnError, isCairnError, type ManifestEntry } from "@cairn/core";
import { type BlobCache, createBlobCache } from "../cache/blob-cache.js";
import { createProgressTracker, type ProgressListener, type ProgressTracker } from "../progress.js";
import type { ClientContext } from "../remote/context.js";
import { withRetry } from "../transport/retry.js";
import { isRetryableTransfer, transferError } from "./byte-requests.js";
import { BUNDLE_BLOB_MAX, type BundleDownloadTarget, downloadBundles } from "./download-bundles.js";
import { chunk, mapWithConcurrency } from "./pool.js";
import { assertSafeEntryPaths, destinationOf } from "./safe-paths.js";

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
  /**
   * A progress tracker shared by several calls (one per manifest page, see download-pages.ts):
   * each call adds its files to `totals` and advances `tracker`, and leaves `finish()` to the owner.
   */
  shared?: SharedDownloadProgress | undefined;
}

/** Live totals read by a shared download tracker. */
export interface SharedDownloadProgress {
  totals: { filesTotal: number; bytesTotal: number };
  tracker: ProgressTracker;
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

/** A bundle URL is asked for again after this long (its token lives an hour). */
const BUNDLE_TARGET_REFRESH_MS = 30 * 60 * 1000;

/**
 * Places `entries` below `root`: entries whose file is already there with the right digest are
 * skipped (hashed through the digest cache), cached blobs are hard-linked from the blob cache, the
 * rest are fetched — small blobs many per request from the server's bundle route when it serves
 * the bytes itself, others from `artifacts.fileUrlsBatch` targets — verified byte for byte by the
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
  assertSafeEntryPaths(entries);
  const stored = entries.filter((e) => e.ref === undefined);
  const references = entries.filter((e) => e.ref !== undefined);
  const destOf = (e: ManifestEntry): string => destinationOf(root, e.path);

  // 1. What is already in place: same size first (cheap, no hashing of absent files), then the
  // digest (cached by mtime).
  const sizes = await statDestinations(root, stored.map(destOf));
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

  const filesTotal = todo.length + references.length;
  const bytesTotal = [...todo, ...references].reduce((n, e) => n + (e.size ?? 0), 0);
  let tracker: ProgressTracker;
  if (options.shared) {
    options.shared.totals.filesTotal += filesTotal;
    options.shared.totals.bytesTotal += bytesTotal;
    tracker = options.shared.tracker;
  } else {
    tracker = createProgressTracker({
      phase: "download",
      filesTotal,
      bytesTotal,
      onProgress: options.onProgress ?? ctx.onProgress,
    });
  }

  let tempDir: string | undefined;
  let cache: BlobCache = ctx.cache;
  if (options.skipCache) {
    tempDir = await mkdtemp(join(tmpdir(), "cairn-download-"));
    cache = createBlobCache({ dir: tempDir });
  }
  try {
    // 2. Link what the cache holds straight away (one pass, no separate presence check); the
    // files whose blob is missing are fetched below (the temp cache of skipCache is empty).
    const linked = await cache.linkAll(
      todo.map((e) => ({ digest: e.digest, destPath: destOf(e), size: e.size })),
    );
    const pending = todo.filter((_, i) => linked[i] === "missing");
    stats.fromCache = todo.length - pending.length;
    tracker.advance(
      stats.fromCache,
      todo.reduce((n, e, i) => n + (linked[i] === "missing" ? 0 : (e.size ?? 0)), 0),
    );
    // 3. Fetch each blob once, verified by cache.put: small blobs in bundles when the server
    // serves the bytes itself, the rest one GET each from `fileUrlsBatch` URLs.
    const sizeOf = new Map(pending.map((e) => [e.digest, e.size ?? 0]));
    let single = [...sizeOf.keys()];
    let small: Array<{ digest: string; size: number }> = [];
    const bundled = single.filter((d) => sizeOf.get(d)! <= BUNDLE_BLOB_MAX);
    const askBundle = async () => {
      const answer = await ctx.call((t) =>
        t.artifacts.fileUrlsBatch.mutate({ ...version, digests: [bundled[0]!] }),
      );
      return answer.bundle ? { bundle: answer.bundle, at: Date.now() } : undefined;
    };
    let target = bundled.length > 0 ? await askBundle() : undefined;
    if (target) {
      const max = Math.min(BUNDLE_BLOB_MAX, target.bundle.maxBlobSize);
      small = bundled
        .filter((d) => sizeOf.get(d)! <= max)
        .map((d) => ({ digest: d, size: sizeOf.get(d)! }));
      const inBundles = new Set(small.map((b) => b.digest));
      single = single.filter((d) => !inBundles.has(d));
    }
    // The bundle URL of the version, asked for again before its token gets old.
    const bundleTarget = async (): Promise<BundleDownloadTarget> => {
      if (Date.now() - target!.at > BUNDLE_TARGET_REFRESH_MS)
        target = (await askBundle()) ?? target;
      return target!.bundle;
    };
    await downloadBundles(ctx, cache, bundleTarget, small, {
      onBlob: () => stats.fetched++,
      onError: (error) => nameFilesIn(error, digestOf(error), todo),
    });
    for (const batch of chunk(single, FILE_URL_BATCH)) {
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
    const placed = await cache.linkAll(
      pending.map((e) => ({ digest: e.digest, destPath: destOf(e), size: e.size })),
    );
    const lost = pending.find((_, i) => placed[i] === "missing");
    if (lost) {
      throw new CairnError(
        "NOT_FOUND",
        `The blob of ${lost.path} left the cache at ${cache.dir} right after it was fetched (another process pruned it?): raise the cache's size cap or download again.`,
        { details: { path: lost.path, digest: lost.digest } },
      );
    }
    tracker.advance(
      pending.length,
      pending.reduce((n, e) => n + (e.size ?? 0), 0),
    );
    await mapWithConcurrency(references, ctx.transferConcurrency, async (e) => {
      await ctx.resolvers.download(e, destOf(e));
      stats.references++;
      tracker.advance(1, e.size ?? 0);
    });
  } finally {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
  if (!options.shared) tracker.finish();
  return stats;
}

/**
 * The stat of each destination (undefined when absent). Nothing to look at when `root` does not
 * exist (a fresh download); else synchronous stats in slices, which beat thousands of queued
 * `fs.promises.stat` calls on libuv's small thread pool while the event loop still breathes.
 */
async function statDestinations(
  root: string,
  paths: readonly string[],
): Promise<Array<Stats | undefined>> {
  if (!statSync(root, { throwIfNoEntry: false })) return paths.map(() => undefined);
  const out: Array<Stats | undefined> = [];
  for (let i = 0; i < paths.length; i++) {
    if (i > 0 && i % 512 === 0) await new Promise((r) => setImmediate(r));
    try {
      out.push(statSync(paths[i]!, { throwIfNoEntry: false }));
    } catch {
      out.push(undefined); // e.g. ENOTDIR: a file where a folder should be; replaced below.
    }
  }
  return out;
}

/** The expected digest a DIGEST_MISMATCH from the cache names. */
function digestOf(error: unknown): string {
  const expected = (error as { details?: { expected?: unknown } })?.details?.expected;
  return typeof expected === "string" ? expected : "";
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
