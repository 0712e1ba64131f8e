import type * as NodeCrypto from "node:crypto";
import type * as NodeFs from "node:fs";

/** What hashing one file produced: its digest and the identity it had while being read. */
export interface RawHashResult {
  /** Lowercase hex SHA-256 of the bytes read. */
  digest: string;
  /** Bytes read (equals the size at open time unless `changed`). */
  size: number;
  mtimeMs: number;
  ino: number;
  /** True when the file was modified or replaced while it was being read. */
  changed: boolean;
}

/** A failure to open or read a file, as plain data so it can cross a worker boundary. */
export interface RawHashError {
  error: { code: string; message: string };
}

/**
 * Hashes one file with SHA-256 by reading it in chunks into `buffer` (never the whole file),
 * synchronously: it runs inside hashing worker threads, where blocking is the point, and on the
 * main thread only for tiny jobs.
 *
 * It stats the open descriptor before and after reading, and the path after reading, so a file
 * that is appended to, rewritten in place or atomically replaced (rename over it) while being
 * read is reported as `changed` instead of producing a digest of bytes that never existed.
 *
 * IMPORTANT: this function is also shipped to worker threads as source text
 * (`hashFileSync.toString()`), so it must not reference anything outside its parameters.
 */
export function hashFileSync(
  fs: typeof NodeFs,
  crypto: typeof NodeCrypto,
  filePath: string,
  buffer: Buffer,
): RawHashResult | RawHashError {
  let fd: number;
  try {
    fd = fs.openSync(filePath, "r");
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { error: { code: e.code ?? "EIO", message: e.message ?? String(err) } };
  }
  try {
    const before = fs.fstatSync(fd);
    if (!before.isFile()) {
      return { error: { code: "ENOTFILE", message: `${filePath} is not a regular file` } };
    }
    const hash = crypto.createHash("sha256");
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
      total += n;
    }
    const after = fs.fstatSync(fd);
    let pathStat: NodeFs.Stats | undefined;
    try {
      pathStat = fs.statSync(filePath);
    } catch {
      pathStat = undefined; // deleted while reading: reported as changed below
    }
    const changed =
      total !== before.size ||
      after.size !== before.size ||
      after.mtimeMs !== before.mtimeMs ||
      pathStat === undefined ||
      pathStat.ino !== before.ino ||
      pathStat.size !== before.size ||
      pathStat.mtimeMs !== before.mtimeMs;
    return {
      digest: hash.digest("hex"),
      size: total,
      mtimeMs: before.mtimeMs,
      ino: before.ino,
      changed,
    };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { error: { code: e.code ?? "EIO", message: e.message ?? String(err) } };
  } finally {
    fs.closeSync(fd);
  }
}
