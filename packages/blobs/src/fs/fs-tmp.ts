import { lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/** Blob directories: only the server's user may list or enter them (other local users read nothing). */
export const DIR_MODE = 0o700;
/** Blob and temporary files: readable and writable by the server's user only. */
export const FILE_MODE = 0o600;

/**
 * Removes what killed writes left in `tmpDir`: temporary files and multipart upload directories
 * (`tmp/multipart/<uuid>`) last modified before `olderThan`. Entries appearing or vanishing
 * meanwhile (a live write, another sweeper) are skipped. Returns the number of entries removed.
 */
export async function sweepTmpDir(tmpDir: string, olderThan: Date): Promise<number> {
  let removed = 0;
  const cutoff = olderThan.getTime();
  const sweep = async (dir: string, nested: boolean): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return; // no tmp/ yet
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        const info = await lstat(path);
        if (!nested && name === "multipart" && info.isDirectory()) {
          await sweep(path, true);
          continue;
        }
        if (info.mtimeMs >= cutoff) continue;
        await rm(path, { recursive: true, force: true });
        removed += 1;
      } catch {
        // raced with the write finishing, or another sweeper
      }
    }
  };
  await sweep(tmpDir, false);
  return removed;
}
