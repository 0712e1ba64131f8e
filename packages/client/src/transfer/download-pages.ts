import type { ManifestEntry } from "@cairn/core";
import { createProgressTracker } from "../progress.js";
import type { ClientContext } from "../remote/context.js";
import {
  type DownloadEntriesOptions,
  type DownloadStats,
  downloadEntries,
  type VersionSelector,
} from "./download.js";

/**
 * Downloads a version whose entry list arrives in pages (`artifacts.manifest`, 10,000 entries
 * each) while the next page is fetched: page N downloads while page N+1 is asked for, and page
 * N+1 starts once page N is placed — one page downloading and one being fetched at most, so
 * memory holds two pages, not the whole list. Progress is one `download` phase whose totals grow
 * as pages arrive. Returns the summed stats and every entry seen (for the caller to keep).
 */
export async function downloadPages(
  ctx: ClientContext,
  version: VersionSelector,
  pages: AsyncIterable<readonly ManifestEntry[]>,
  root: string,
  options: DownloadEntriesOptions = {},
): Promise<{ stats: DownloadStats; entries: ManifestEntry[] }> {
  // The tracker reads its totals live from the object it was created with: pages add to them.
  const totals = {
    phase: "download" as const,
    filesTotal: 0,
    bytesTotal: 0,
    onProgress: options.onProgress ?? ctx.onProgress,
  };
  const shared = { totals, tracker: createProgressTracker(totals) };
  const stats: DownloadStats = { present: 0, fromCache: 0, fetched: 0, references: 0 };
  const entries: ManifestEntry[] = [];
  let running: Promise<void> = Promise.resolve();
  try {
    for await (const page of pages) {
      await running;
      entries.push(...page);
      running = downloadEntries(ctx, version, page, root, { ...options, shared }).then((s) => {
        stats.present += s.present;
        stats.fromCache += s.fromCache;
        stats.fetched += s.fetched;
        stats.references += s.references;
      });
      // Observed now: a failure is thrown by the next `await running`, never left unhandled.
      running.catch(() => {});
    }
    await running;
  } catch (error) {
    // A page request failed while a page downloads: let that settle before reporting.
    await running.catch(() => {});
    throw error;
  }
  shared.tracker.finish();
  return { stats, entries };
}
