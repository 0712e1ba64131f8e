import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, rm, stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import { CairnError } from "@cairn/core";
import { readAt } from "../fs/fs-read.js";
import { encodePackHeader, PACK_HEADER_SIZE, RECORD_HEADER_SIZE } from "./pack-format.js";
import type { PackBackend } from "./pack-types.js";

const PACK_NAME = /^([0-9a-f]{32})\.pack$/;
/**
 * A pack not written for this long is left (a new one is started): compaction may then treat it
 * as abandoned after `OPEN_PACK_IDLE_MS`, which is twice this, without racing a live writer.
 */
export const IDLE_ROTATE_MS = 10 * 60_000;

/** Options of {@link createFsPackBackend}. */
export interface FsPackBackendOptions {
  /** Directory of the pack files (`<id>.pack`). */
  dir: string;
  /** A pack is sealed once it reaches this many bytes. */
  targetBytes: number;
  encrypted: boolean;
  /** fsyncs a directory (shared with the store, so concurrent calls share one fsync). */
  fsyncDir: (dir: string) => Promise<void>;
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ENOENT";
}

/** A pack's file is gone (compacted away): `NOT_FOUND`, so a reader re-reads the index and retries. */
export function packGone(packId: string, cause?: unknown): CairnError {
  return new CairnError("NOT_FOUND", `Pack ${packId} is not stored (compacted away).`, {
    cause,
    details: { packId },
  });
}

/**
 * Pack files in one directory. This process appends to one open pack at a time: every `write` is
 * one `writev` and one `fsync` (a group commit's worth of records), the first write of a new pack
 * also fsyncs the directory so the file itself survives a crash. Files are 0600, the directory 0700.
 */
export function createFsPackBackend(options: FsPackBackendOptions): PackBackend {
  const { dir, targetBytes, encrypted, fsyncDir } = options;
  let current: { id: string; handle: FileHandle; position: number; lastWrite: number } | null =
    null;
  let chain: Promise<unknown> = Promise.resolve();
  let dirReady = false;
  const pathOf = (packId: string) => join(dir, `${packId}.pack`);

  async function openNew(): Promise<{
    id: string;
    handle: FileHandle;
    position: number;
    lastWrite: number;
  }> {
    if (!dirReady) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      dirReady = true;
    }
    const id = randomBytes(16).toString("hex");
    const handle = await open(pathOf(id), "wx", 0o600);
    return { id, handle, position: 0, lastWrite: Date.now() };
  }

  async function writeRecords(records: readonly Buffer[]) {
    if (current && Date.now() - current.lastWrite > IDLE_ROTATE_MS) {
      const idle = current;
      current = null;
      await idle.handle.close();
    }
    const fresh = current === null;
    if (current === null) current = await openNew();
    const pack = current;
    const buffers = fresh ? [encodePackHeader(encrypted), ...records] : [...records];
    let position = pack.position;
    const payloadOffsets: number[] = [];
    let cursor = position + (fresh ? PACK_HEADER_SIZE : 0);
    for (const record of records) {
      payloadOffsets.push(cursor + RECORD_HEADER_SIZE);
      cursor += record.length;
    }
    try {
      // writev may write less than asked; continue from where it stopped.
      let pending = buffers;
      while (pending.length > 0) {
        const { bytesWritten } = await pack.handle.writev(pending, position);
        position += bytesWritten;
        pending = skipBytes(pending, bytesWritten);
      }
      await pack.handle.sync();
      if (fresh) await fsyncDir(dir);
    } catch (error) {
      // The pack's tail is now unknown: stop appending to it (its durable prefix stays indexed).
      current = null;
      await pack.handle.close().catch(() => {});
      throw error;
    }
    pack.position = position;
    pack.lastWrite = Date.now();
    const sealed = position >= targetBytes;
    if (sealed) {
      current = null;
      await pack.handle.close();
    }
    return { packId: pack.id, payloadOffsets, end: position, sealed };
  }

  return {
    write(records) {
      const result = chain.then(() => writeRecords(records));
      chain = result.catch(() => {});
      return result;
    },
    async read(packId, offset, length) {
      let handle: FileHandle;
      try {
        handle = await open(pathOf(packId), "r");
      } catch (error) {
        if (isNotFound(error)) throw packGone(packId, error);
        throw error;
      }
      try {
        const bytes = await readAt(handle, offset, length);
        if (bytes.length !== length) {
          throw new CairnError(
            "DIGEST_MISMATCH",
            `Pack ${packId} is shorter than its index says (${offset}+${length}): it was truncated on disk.`,
            { details: { packId, offset, length } },
          );
        }
        return bytes;
      } finally {
        await handle.close();
      }
    },
    async remove(packId) {
      await rm(pathOf(packId), { force: true });
      await fsyncDir(dir).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    },
    async *list() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
      for (const name of names) {
        const match = PACK_NAME.exec(name);
        if (!match?.[1]) continue;
        try {
          const info = await stat(join(dir, name));
          yield { packId: match[1], bytes: info.size, modifiedAt: info.mtime };
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
    },
    async truncate(packId, bytes) {
      await truncate(pathOf(packId), bytes);
      const handle = await open(pathOf(packId), "r+");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    currentPack: () => current?.id ?? null,
    async close() {
      await chain;
      const pack = current;
      current = null;
      await pack?.handle.close();
    },
  };
}

function skipBytes(buffers: readonly Buffer[], count: number): Buffer[] {
  const out: Buffer[] = [];
  let left = count;
  for (const buffer of buffers) {
    if (left >= buffer.length) {
      left -= buffer.length;
      continue;
    }
    out.push(left > 0 ? buffer.subarray(left) : buffer);
    left = 0;
  }
  return out;
}
