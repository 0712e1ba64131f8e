import { CairnError } from "./errors.js";

/**
 * Bundles: many small blobs in one HTTP body. One request per 100 KiB file spends more on HTTP,
 * token checks and database round trips than on the bytes, so small blobs travel together.
 *
 * Wire format: one header line of JSON, `{"blobs":[{"digest":"<64 hex>","size":N},…]}`, ended by
 * "\n", then the bytes of every listed blob concatenated in header order, and nothing after. The
 * header comes first so a receiver can refuse an oversized or malformed bundle before reading any
 * bytes, and needs no delimiter inside binary data.
 */

/** Most blobs in one bundle. */
export const BUNDLE_MAX_BLOBS = 1_000;
/** Most bytes of blob data in one bundle (32 MiB), so one bundle is cheap to retry. */
export const BUNDLE_MAX_BYTES = 32 * 1024 * 1024;
/** Largest blob that travels in a bundle; bigger ones go on their own. */
export const BUNDLE_MAX_BLOB_SIZE = 4 * 1024 * 1024;
/** Longest header line accepted (far above 1,000 entries of ~90 bytes). */
export const BUNDLE_MAX_HEADER_BYTES = 256 * 1024;

/** One blob listed in a bundle header. */
export interface BundleBlob {
  digest: string;
  size: number;
}

/** One blob read from a bundle: its bytes must be consumed before the next blob is read. */
export interface BundlePart extends BundleBlob {
  body: AsyncIterable<Uint8Array>;
}

const DIGEST_RE = /^[0-9a-f]{64}$/;
const encoder = new TextEncoder();

function invalid(message: string, details: Record<string, unknown> = {}): CairnError {
  return new CairnError("INVALID_INPUT", `Invalid bundle: ${message}`, { details });
}

/** Checks a bundle's blob list against the format's limits, throwing INVALID_INPUT saying which. */
export function checkBundleBlobs(blobs: readonly BundleBlob[]): void {
  if (blobs.length === 0) throw invalid("it lists no blobs; send at least one.");
  if (blobs.length > BUNDLE_MAX_BLOBS) {
    throw invalid(
      `it lists ${blobs.length} blobs, more than ${BUNDLE_MAX_BLOBS}; split it into several bundles.`,
    );
  }
  let total = 0;
  for (const [i, blob] of blobs.entries()) {
    if (typeof blob?.digest !== "string" || !DIGEST_RE.test(blob.digest)) {
      throw invalid(`blob ${i} has no valid digest; give the lowercase hex SHA-256 (64 chars).`, {
        index: i,
      });
    }
    if (!Number.isSafeInteger(blob.size) || blob.size < 0) {
      throw invalid(`blob ${blob.digest} has an invalid size; give a whole number of bytes.`, {
        digest: blob.digest,
      });
    }
    if (blob.size > BUNDLE_MAX_BLOB_SIZE) {
      throw invalid(
        `blob ${blob.digest} has ${blob.size} bytes, more than the ${BUNDLE_MAX_BLOB_SIZE} a bundle carries; send it on its own.`,
        { digest: blob.digest },
      );
    }
    total += blob.size;
  }
  if (total > BUNDLE_MAX_BYTES) {
    throw invalid(
      `it carries ${total} bytes, more than ${BUNDLE_MAX_BYTES}; split it into several bundles.`,
    );
  }
}

/** The header line (with its "\n") of a bundle of `blobs`, checked against the limits. */
export function encodeBundleHeader(blobs: readonly BundleBlob[]): Uint8Array {
  checkBundleBlobs(blobs);
  const list = blobs.map(({ digest, size }) => ({ digest, size }));
  return encoder.encode(`${JSON.stringify({ blobs: list })}\n`);
}

/** Parses and checks a header line (without its "\n"). */
export function parseBundleHeader(line: string): BundleBlob[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw invalid('the header line is not JSON; start the body with {"blobs":[…]} and "\\n".');
  }
  const blobs = (parsed as { blobs?: unknown })?.blobs;
  if (!Array.isArray(blobs)) {
    throw invalid('the header has no "blobs" array; start the body with {"blobs":[…]} and "\\n".');
  }
  checkBundleBlobs(blobs as BundleBlob[]);
  return (blobs as BundleBlob[]).map(({ digest, size }) => ({ digest, size }));
}

/**
 * Splits `groups` of blobs into bundles: in order, each within {@link BUNDLE_MAX_BLOBS} and at most
 * `maxBytes` of data (a blob bigger than `maxBytes` still gets a bundle of its own). Blobs over
 * {@link BUNDLE_MAX_BLOB_SIZE} must be sent on their own by the caller.
 */
export function planBundles<T extends BundleBlob>(
  blobs: readonly T[],
  maxBytes: number = BUNDLE_MAX_BYTES,
): T[][] {
  const bundles: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const blob of blobs) {
    if (
      current.length > 0 &&
      (current.length >= BUNDLE_MAX_BLOBS ||
        bytes + blob.size > Math.min(maxBytes, BUNDLE_MAX_BYTES))
    ) {
      bundles.push(current);
      current = [];
      bytes = 0;
    }
    current.push(blob);
    bytes += blob.size;
  }
  if (current.length > 0) bundles.push(current);
  return bundles;
}

/**
 * Reads a bundle from a stream of chunks: the header, then one {@link BundlePart} per listed blob,
 * whose `body` yields exactly `size` bytes. Each part's body must be consumed (or drained) before
 * the next part is requested. Throws INVALID_INPUT when the header is malformed or too long, the
 * body ends early, or bytes follow the last blob.
 */
export async function* readBundle(source: AsyncIterable<Uint8Array>): AsyncGenerator<BundlePart> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Uint8Array = new Uint8Array(0);

  async function more(): Promise<boolean> {
    const next = await iterator.next();
    if (next.done) return false;
    pending = pending.length === 0 ? next.value : concat(pending, next.value);
    return true;
  }

  // 1. The header line.
  let newline = pending.indexOf(10);
  while (newline < 0) {
    if (pending.length > BUNDLE_MAX_HEADER_BYTES) {
      throw invalid(`the header line is longer than ${BUNDLE_MAX_HEADER_BYTES} bytes.`);
    }
    if (!(await more())) throw invalid('the body ended before the header line\'s "\\n".');
    newline = pending.indexOf(10);
  }
  if (newline > BUNDLE_MAX_HEADER_BYTES) {
    throw invalid(`the header line is longer than ${BUNDLE_MAX_HEADER_BYTES} bytes.`);
  }
  const blobs = parseBundleHeader(new TextDecoder().decode(pending.subarray(0, newline)));
  pending = pending.subarray(newline + 1);

  // 2. The blobs, each exactly its declared size.
  for (const blob of blobs) {
    let consumed = false;
    const body = async function* (): AsyncGenerator<Uint8Array> {
      let left = blob.size;
      while (left > 0) {
        if (pending.length === 0 && !(await more())) {
          throw invalid(
            `the body ended ${left} bytes before the end of blob ${blob.digest}; send every listed blob whole.`,
            { digest: blob.digest },
          );
        }
        const take = Math.min(left, pending.length);
        const piece = pending.subarray(0, take);
        pending = pending.subarray(take);
        left -= take;
        yield piece;
      }
      consumed = true;
    };
    yield { ...blob, body: body() };
    if (!consumed) {
      throw invalid(`the reader skipped the bytes of blob ${blob.digest}.`, {
        digest: blob.digest,
      });
    }
  }

  // 3. Nothing may follow.
  while (pending.length === 0) {
    if (!(await more())) return;
  }
  throw invalid("bytes follow the last listed blob; list every blob in the header.");
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A part's bytes in one array (a bundle blob is at most {@link BUNDLE_MAX_BLOB_SIZE}). */
export async function readBundlePart(part: BundlePart): Promise<Uint8Array> {
  const out = new Uint8Array(part.size);
  let at = 0;
  for await (const chunk of part.body) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
