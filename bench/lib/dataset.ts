import { createHash } from "node:crypto";
import { type FileHandle, mkdir, open, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { mapLimit } from "./pool.js";
import { createPrng, randomBytes } from "./prng.js";

/** A generated folder of files. */
export interface Dataset {
  root: string;
  /** Paths relative to `root`, `d000/f00000.bin`… */
  files: string[];
  fileSize: number;
  totalBytes: number;
}

/** Files per sub-directory: keeps directories small, like a real sharded data set. */
const FILES_PER_DIR = 100;

/** The content of file `index` for `seed`: the same bytes on every run. */
function contentOf(seed: number, index: number, size: number): Buffer {
  return randomBytes(seed * 1_000_003 + index, size);
}

/** Layout and speed of {@link generateDataset}. */
export interface DatasetOptions {
  /**
   * Files per sub-directory (default 100). A million-file set uses 1,000, so no directory holds
   * more than a real sharded data set would (1,000 dirs × 1,000 files).
   */
  filesPerDir?: number;
  /** Files written at once (default 8); tiny files want more, so the disk queue stays full. */
  concurrency?: number;
}

/** Writes `count` files of `size` random bytes under `root` (seeded: identical on every run). */
export async function generateDataset(
  root: string,
  count: number,
  size: number,
  seed: number,
  options: DatasetOptions = {},
): Promise<Dataset> {
  const perDir = options.filesPerDir ?? FILES_PER_DIR;
  const files = Array.from({ length: count }, (_, i) => {
    const dir = `d${String(Math.floor(i / perDir)).padStart(3, "0")}`;
    return join(dir, `f${String(i).padStart(5, "0")}.bin`);
  });
  const dirs = [...new Set(files.map((f) => f.split("/")[0]!))];
  for (const d of dirs) await mkdir(join(root, d), { recursive: true });
  await mapLimit(files, options.concurrency ?? 8, (file, i) =>
    writeFile(join(root, file), contentOf(seed, i, size)),
  );
  return { root, files, fileSize: size, totalBytes: count * size };
}

/**
 * Rewrites `fraction` of the files (chosen by `seed`) with new contents; returns the paths and
 * the bytes changed, which a re-log must upload exactly. `restore()` puts the originals back.
 */
export async function changeFiles(
  dataset: Dataset,
  fraction: number,
  seed: number,
): Promise<{ changed: string[]; changedBytes: number; restore(): Promise<void> }> {
  const next = createPrng(seed);
  const want = Math.max(1, Math.round(dataset.files.length * fraction));
  const picked = new Set<number>();
  while (picked.size < want) picked.add(next() % dataset.files.length);
  const indices = [...picked];
  const originals = await Promise.all(
    indices.map((i) => readFile(join(dataset.root, dataset.files[i]!))),
  );
  await mapLimit(indices, 8, (i) =>
    writeFile(join(dataset.root, dataset.files[i]!), contentOf(seed + 7_919, i, dataset.fileSize)),
  );
  return {
    changed: indices.map((i) => dataset.files[i]!),
    changedBytes: indices.length * dataset.fileSize,
    restore: async () => {
      await mapLimit(indices, 8, (i, k) =>
        writeFile(join(dataset.root, dataset.files[i]!), originals[k]!),
      );
    },
  };
}

/**
 * The machine's floor for "read and fingerprint every file": node:crypto SHA-256 of each file,
 * 8 reads in flight (what the client's hasher does at best).
 */
export async function hashAll(dataset: Dataset): Promise<number> {
  let bytes = 0;
  await mapLimit(dataset.files, 8, async (file) => {
    const data = await readFile(join(dataset.root, file));
    createHash("sha256").update(data).digest();
    bytes += data.length;
  });
  return bytes;
}

/** Files {@link durableCopy} writes at once. */
export const DURABLE_COPY_CONCURRENCY = 16;

/**
 * The disk's floor for "store every file durably", what a first log must at least do on the
 * server: each file read and written to a fresh folder, fsynced and closed,
 * {@link DURABLE_COPY_CONCURRENCY} at once, then every directory fsynced. Returns the bytes written.
 */
export async function durableCopy(dataset: Dataset, target: string): Promise<number> {
  const dirs = [...new Set(dataset.files.map((f) => dirname(f)))];
  for (const d of dirs) await mkdir(join(target, d), { recursive: true });
  let bytes = 0;
  await mapLimit(dataset.files, DURABLE_COPY_CONCURRENCY, async (file) => {
    const data = await readFile(join(dataset.root, file));
    await withHandle(join(target, file), "wx", async (handle) => {
      await handle.writeFile(data);
      await handle.sync();
    });
    bytes += data.length;
  });
  for (const d of [...dirs, "."]) {
    await withHandle(join(target, d), "r", (handle) => handle.sync());
  }
  return bytes;
}

/** Opens `path` with `flags`, runs `use`, and always closes the handle. */
async function withHandle(
  path: string,
  flags: string,
  use: (handle: FileHandle) => Promise<void>,
): Promise<void> {
  const handle = await open(path, flags);
  try {
    await use(handle);
  } finally {
    await handle.close();
  }
}

/**
 * The disk's sequential-write floor: every file's bytes appended to one file and fsynced once —
 * what a pack store does at best. Returns the bytes written.
 */
export async function sequentialWrite(dataset: Dataset, targetFile: string): Promise<number> {
  await mkdir(dirname(targetFile), { recursive: true });
  let bytes = 0;
  await withHandle(targetFile, "wx", async (handle) => {
    for (const file of dataset.files) {
      const data = await readFile(join(dataset.root, file));
      await handle.write(data);
      bytes += data.length;
    }
    await handle.sync();
  });
  return bytes;
}
