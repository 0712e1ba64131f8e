import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** Bytes from a Node stream, a web stream or chunks. */
export type ByteSource = Readable | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Streams `source` to `destPath` through a temp file beside it and renames it into place, so an
 * interrupted download never leaves a truncated file that looks complete. `observe` sees every
 * chunk (for hashing or counting). Returns the number of bytes written.
 */
export async function writeFileAtomic(
  destPath: string,
  source: ByteSource,
  observe?: (chunk: Uint8Array) => void,
): Promise<number> {
  await mkdir(dirname(destPath), { recursive: true });
  const tmp = `${destPath}.cairn-${randomBytes(4).toString("hex")}.tmp`;
  let bytes = 0;
  const readable =
    source instanceof Readable
      ? source
      : typeof (source as ReadableStream).getReader === "function"
        ? Readable.fromWeb(source as import("node:stream/web").ReadableStream<Uint8Array>)
        : Readable.from(source as AsyncIterable<Uint8Array>);
  try {
    await pipeline(
      readable,
      async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          bytes += chunk.length;
          observe?.(chunk);
          yield chunk;
        }
      },
      createWriteStream(tmp),
    );
    await rename(tmp, destPath);
    return bytes;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Renames the temp file of {@link writeFileAtomicDeferred} into place. */
export interface PendingFile {
  /** Bytes written to the temp file. */
  bytes: number;
  /** Moves the temp file to its destination. */
  commit(): Promise<void>;
  /** Deletes the temp file. */
  discard(): Promise<void>;
}

/**
 * Like {@link writeFileAtomic} but leaves the decision to the caller: verify the bytes (size,
 * checksum), then `commit()` or `discard()`. A drifted source never replaces a good file.
 */
export async function writeFileAtomicDeferred(
  destPath: string,
  source: ByteSource,
  observe?: (chunk: Uint8Array) => void,
): Promise<PendingFile> {
  const tmpTarget = `${destPath}.cairn-${randomBytes(4).toString("hex")}.part`;
  const bytes = await writeFileAtomic(tmpTarget, source, observe);
  return {
    bytes,
    commit: () => rename(tmpTarget, destPath),
    discard: () => rm(tmpTarget, { force: true }),
  };
}
