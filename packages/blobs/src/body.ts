import { createHash } from "node:crypto";
import { CairnError } from "@cairn/core";
import type { BlobBody } from "./types.js";

/** What {@link hashingSource} saw, readable after the iteration finished. */
export interface HashState {
  size: number;
  /** The hex SHA-256 of everything read, set once the source ended. */
  actual: string | undefined;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

async function* chunksOf(body: BlobBody): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  if (!isAsyncIterable(body)) {
    throw new CairnError(
      "INVALID_INPUT",
      "A blob body must be a Uint8Array, an async iterable of Uint8Array chunks or a Readable stream.",
    );
  }
  for await (const chunk of body as AsyncIterable<unknown>) {
    if (!(chunk instanceof Uint8Array)) {
      throw new CairnError(
        "INVALID_INPUT",
        `A blob body yielded a ${typeof chunk} chunk; only Uint8Array/Buffer chunks are allowed (do not set an encoding on the stream).`,
      );
    }
    yield chunk;
  }
}

/**
 * Yields the body's chunks while hashing them, and throws `DIGEST_MISMATCH` *before it ends* when
 * the bytes do not hash to `digest` (or exceed/miss the declared size). Because the error surfaces
 * as the source's end, a writer consuming it never finalises a wrong object: the fs store never
 * renames its temp file, and lib-storage never sends the last part nor completes the upload.
 */
export async function* hashingSource(
  body: BlobBody,
  digest: string,
  state: HashState,
  declaredSize?: number,
): AsyncGenerator<Uint8Array> {
  const hash = createHash("sha256");
  for await (const chunk of chunksOf(body)) {
    state.size += chunk.byteLength;
    if (declaredSize !== undefined && state.size > declaredSize) {
      throw new CairnError(
        "DIGEST_MISMATCH",
        `Blob ${digest} was declared as ${declaredSize} bytes but the body is longer; send exactly the declared bytes.`,
        { details: { digest, declaredSize } },
      );
    }
    hash.update(chunk);
    yield chunk;
  }
  state.actual = hash.digest("hex");
  if (declaredSize !== undefined && state.size !== declaredSize) {
    throw new CairnError(
      "DIGEST_MISMATCH",
      `Blob ${digest} was declared as ${declaredSize} bytes but the body has ${state.size}; send exactly the declared bytes.`,
      { details: { digest, declaredSize, size: state.size } },
    );
  }
  if (state.actual !== digest) throw digestMismatch(digest, state.actual, state.size);
}

/** The `DIGEST_MISMATCH` error for bytes that hash to `actual` instead of `expected`. */
export function digestMismatch(expected: string, actual: string, size: number): CairnError {
  return new CairnError(
    "DIGEST_MISMATCH",
    `The ${size} bytes sent for blob ${expected} hash to ${actual}; a blob is stored only under the SHA-256 of its exact bytes — re-read the file and retry with its real digest.`,
    { details: { expected, actual, size } },
  );
}

/** Hashes a whole stream of bytes (used by `verify`). */
export async function sha256Of(source: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of source) hash.update(chunk);
  return hash.digest("hex");
}

/** Throws `INVALID_INPUT` unless `value` is a non-negative safe integer. */
export function assertByteCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new CairnError(
      "INVALID_INPUT",
      `${what} must be a non-negative whole number of bytes, got ${value}.`,
    );
  }
}
