import { open } from "node:fs/promises";
import { CairnError } from "@cairn/core";

type RequestBody = NonNullable<RequestInit["body"]>;

/** Bodies at most this big are read into memory; bigger ones stream from disk (8 MiB). */
export const STREAM_BODY_THRESHOLD = 8 * 1024 * 1024;
/** Bytes read from disk per chunk of a streamed body. */
const CHUNK = 1024 * 1024;

/** The request fields of a streamed file slice, and the error that cut it short, if any. */
export interface FileSliceBody {
  /** Spread into fetch's init: the body, its exact `content-length`, and `duplex: "half"`. */
  init: { body: RequestBody; headers: Record<string, string>; duplex: "half" };
  /** The file error that ended the body early (fetch reports it only as "fetch failed"). */
  failure(): CairnError | undefined;
}

function shrunk(path: string): CairnError {
  return new CairnError(
    "CONFLICT",
    `The file ${path} changed since it was hashed (it is shorter now): log the artifact again once the file is stable.`,
    { details: { path } },
  );
}

/**
 * `length` bytes of `path` from `start`, as a fetch body streamed from disk 1 MiB at a time, so a
 * large upload never holds more than a chunk in memory. The `content-length` is sent explicitly:
 * presigned S3 PUTs refuse chunked bodies, and Node's fetch honours a given length for streams.
 * Each call gives a fresh one-shot body, so every retry re-reads the file. A file that shrank
 * since it was hashed ends the body early; {@link FileSliceBody.failure} then names the problem.
 */
export function fileSliceBody(path: string, start: number, length: number): FileSliceBody {
  let failure: CairnError | undefined;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const handle = await open(path, "r");
    try {
      let done = 0;
      while (done < length) {
        const buffer = Buffer.allocUnsafe(Math.min(CHUNK, length - done));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, start + done);
        if (bytesRead === 0) {
          failure = shrunk(path);
          throw failure;
        }
        done += bytesRead;
        yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }
  return {
    init: {
      // An async iterable is a valid body for Node's fetch (undici), though not in the DOM types.
      body: chunks() as unknown as RequestBody,
      headers: { "content-length": String(length) },
      duplex: "half",
    },
    failure: () => failure,
  };
}

/** Reads `length` bytes of `path` at `start` into memory (small bodies); CONFLICT if it shrank. */
export async function readFileSlice(
  path: string,
  start: number,
  length: number,
): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read !== length) throw shrunk(path);
    return buffer;
  } finally {
    await handle.close();
  }
}
