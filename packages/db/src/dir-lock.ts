import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { CairnError } from "@cairn/core";

/** The name of the lock file inside a PGlite data directory. */
export const LOCK_FILE_NAME = "cairn.lock";

/** What a lock file records about its holder. */
export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
}

/** A held directory lock. `release()` is idempotent and only removes a file this holder wrote. */
export interface DirectoryLock {
  readonly path: string;
  readonly owner: LockOwner;
  release(): void;
}

/**
 * Takes the exclusive lock `dir/cairn.lock` (created with `wx`, so exactly one opener wins).
 *
 * PGlite does not lock its data directory: two processes that open it both start, then write
 * diverging files — silent corruption. So the embedded store refuses a second opener with
 * `CairnError("UNAVAILABLE")`, naming the directory and the pid holding it. A lock whose pid is
 * no longer alive on this host is stale (a crash) and is taken over.
 */
export function acquireDirectoryLock(dir: string): DirectoryLock {
  const path = join(dir, LOCK_FILE_NAME);
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  };
  const content = `${JSON.stringify(owner)}\n`;
  // A few rounds: each lost race (another opener took over the same stale lock) re-reads the file.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, content)) return heldLock(path, owner, content);
    const existing = readOwner(path);
    if (existing === "missing") continue;
    if (existing !== "unreadable" && isHolderAlive(existing))
      throw lockedError(dir, path, existing);
    // Dead holder (or a half-written file from a crash): move it aside atomically. If another
    // opener took it over first, what we moved is *their* live lock, so put it back and retry.
    const stale = `${path}.stale-${process.pid}-${Date.now()}`;
    try {
      renameSync(path, stale);
    } catch (error) {
      if (isErrno(error, "ENOENT")) continue;
      throw error;
    }
    const moved = readOwner(stale);
    const sameStale =
      existing === "unreadable"
        ? moved === "unreadable"
        : moved !== "missing" && moved !== "unreadable" && sameOwner(moved, existing);
    if (!sameStale) {
      try {
        linkSync(stale, path);
      } catch {
        // Someone created a fresh lock meanwhile; theirs stands.
      }
    }
    unlinkSync(stale);
  }
  throw new CairnError(
    "UNAVAILABLE",
    `Could not take the lock ${path}: other processes keep taking it over. Make sure only one Cairn server uses ${dir}.`,
  );
}

function heldLock(path: string, owner: LockOwner, content: string): DirectoryLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off("exit", release);
    try {
      // Only remove the file if it is still ours (never someone else's lock after a takeover).
      if (readFileSync(path, "utf8") === content) unlinkSync(path);
    } catch (error) {
      if (!isErrno(error, "ENOENT")) throw error;
    }
  };
  // A clean exit without close() still frees the directory; crashes leave a stale lock, taken over later.
  process.on("exit", release);
  return { path, owner, release };
}

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if (isErrno(error, "EEXIST")) return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(path: string): LockOwner | "missing" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return "missing";
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid !== "number" || typeof parsed.hostname !== "string") return "unreadable";
    return {
      pid: parsed.pid,
      hostname: parsed.hostname,
      startedAt: String(parsed.startedAt ?? ""),
    };
  } catch {
    return "unreadable";
  }
}

function sameOwner(a: LockOwner, b: LockOwner): boolean {
  return a.pid === b.pid && a.hostname === b.hostname && a.startedAt === b.startedAt;
}

/** A pid on another host cannot be checked, so such a lock is treated as held. */
function isHolderAlive(owner: LockOwner): boolean {
  if (owner.hostname !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user — still alive.
    return !isErrno(error, "ESRCH");
  }
}

function lockedError(dir: string, path: string, owner: LockOwner): CairnError {
  const who =
    owner.pid === process.pid && owner.hostname === hostname()
      ? `this same process (pid ${owner.pid}) already has it open — close the other database handle first`
      : `process ${owner.pid} on ${owner.hostname} (since ${owner.startedAt}) holds it`;
  return new CairnError(
    "UNAVAILABLE",
    `The embedded database directory ${dir} is in use: ${who}. Two processes on one PGlite directory corrupt it. ` +
      `Stop that process, or point this one elsewhere: set CAIRN_DATA_DIR to another directory, or DATABASE_URL ` +
      `to a PostgreSQL server that several processes can share. (Lock file: ${path}.)`,
    {
      details: {
        dir,
        lockFile: path,
        pid: owner.pid,
        hostname: owner.hostname,
        startedAt: owner.startedAt,
      },
    },
  );
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
