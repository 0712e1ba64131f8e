import { isPackedStore, type PackedBlobStore } from "@cairn/blobs";
import {
  BUNDLE_MAX_BLOB_SIZE,
  BUNDLE_MAX_BLOBS,
  BUNDLE_MAX_BYTES,
  type BundleBlob,
  CairnError,
  encodeBundleHeader,
} from "@cairn/core";
import { toSafeNumber } from "@cairn/db";
import { nowOf, type ServiceDeps } from "../deps.js";
import { signByteToken, verifyByteToken } from "./byte-tokens.js";

/** The path of the bundle download route. */
export const BUNDLE_DOWNLOAD_PATH = "/bundles/get";

/** Bundle download URLs live this long (seconds), like the per-blob URLs next to them. */
export const BUNDLE_DOWNLOAD_TTL_SECONDS = 3600;

/** Stored blobs of one bundle stat'ed at once before the header is written. */
const STAT_CONCURRENCY = 32;
/**
 * Blobs read ahead of the one being sent, and the most bytes they may hold: each small blob is a
 * few file-system round trips (open, stat, read, close), so reading one at a time would leave the
 * disk and the socket idle in turn.
 */
const READ_AHEAD_BLOBS = 16;
const READ_AHEAD_BYTES = 8 * 1024 * 1024;

/**
 * Prefix of the `d` claim of bundle download tokens. A bundle token is a `get` byte token whose
 * subject is `manifest:<id>` instead of a digest: it can never pass for a per-blob token (the blob
 * route only accepts a hex digest equal to `d`), and a per-blob token never passes here.
 */
const SUBJECT_PREFIX = "manifest:";

/** Where a client may fetch many small blobs of one version in one request. */
export interface BundleDownloadTarget {
  /** `POST` a JSON body `{"digests":[…]}` here; the answer is a bundle (see `@cairn/core`). */
  url: string;
  maxBlobs: number;
  maxBytes: number;
  /** Blobs above this size are fetched on their own. */
  maxBlobSize: number;
}

/** A bundle ready to stream: its checked blob list and the bytes (header line first). */
export interface OpenedBundle {
  blobs: BundleBlob[];
  /** Header line plus every blob's bytes. */
  contentLength: number;
  header: Uint8Array;
  /** Streams the blobs' bytes in header order (after the header has been written). */
  body(): AsyncGenerator<Uint8Array>;
}

/**
 * Bundled downloads from the server's own store: one `POST /bundles/get` answers up to
 * {@link BUNDLE_MAX_BLOBS} small blobs, so a version of a million 1 KiB files is not a million GETs.
 * The URL is handed out by `artifacts.fileUrlsBatch`, which has checked read access to the
 * version; its token names that version's manifest, and the route serves only digests that are
 * stored-file entries of that manifest (checked in one query per bundle), so a token holder cannot
 * fetch blobs outside what it was granted.
 */
export function createBundleDownloads(deps: ServiceDeps) {
  return {
    /**
     * The bundle URL for a version whose manifest is `manifestId`, or null when the store hands
     * out presigned URLs (bytes then come straight from the bucket, not through the server).
     */
    async target(manifestId: number, sampleDigest: string): Promise<BundleDownloadTarget | null> {
      // Small blobs of a packed store are only served by the server (ranges of shared packs).
      if (!isPackedStore(deps.blobs)) {
        const presigned = await deps.blobs.presignGet(sampleDigest, { expiresIn: 60 });
        if (presigned) return null;
      }
      const token = signByteToken(deps.signingSecret, {
        d: `${SUBJECT_PREFIX}${manifestId}`,
        op: "get",
        x: Math.floor(nowOf(deps).getTime() / 1000) + BUNDLE_DOWNLOAD_TTL_SECONDS,
      });
      return {
        url: `${deps.publicUrl.replace(/\/$/, "")}${BUNDLE_DOWNLOAD_PATH}?t=${encodeURIComponent(token)}`,
        maxBlobs: BUNDLE_MAX_BLOBS,
        maxBytes: BUNDLE_MAX_BYTES,
        maxBlobSize: BUNDLE_MAX_BLOB_SIZE,
      };
    },

    /**
     * Checks a bundle request against its token and the store, and returns what to stream.
     * Refuses (4xx, nothing streamed) a bad or expired token, a malformed digest list, a digest
     * that is not a stored file of the token's version, a blob over {@link BUNDLE_MAX_BLOB_SIZE} or
     * a bundle over the limits; NOT_FOUND when a listed blob is no longer stored.
     */
    async open(token: string | null, request: unknown): Promise<OpenedBundle> {
      const manifestId = manifestOfToken(deps, token);
      const digests = parseDigestList(request);
      const rows = await deps.db
        .selectFrom("manifest_entries")
        .select(["digest", "size"])
        .distinct()
        .where("manifest_id", "=", manifestId)
        .where("ref", "is", null)
        .where("digest", "in", digests)
        .execute();
      const sizeOf = new Map(rows.map((r) => [r.digest, toSafeNumber(r.size)]));
      const outside = digests.filter((d) => !sizeOf.has(d));
      if (outside.length > 0) {
        throw new CairnError(
          "FORBIDDEN",
          `This bundle URL does not cover blob ${outside.slice(0, 3).join(", ")}${outside.length > 3 ? ` (and ${outside.length - 3} more)` : ""}: it serves only the stored files of the version it was issued for; ask artifacts.fileUrlsBatch of the right version.`,
          { details: { digests: outside.slice(0, 100) } },
        );
      }
      let total = 0;
      for (const digest of digests) {
        const size = sizeOf.get(digest)!;
        if (size > BUNDLE_MAX_BLOB_SIZE) {
          throw new CairnError(
            "PAYLOAD_TOO_LARGE",
            `Blob ${digest} has ${size} bytes, more than the ${BUNDLE_MAX_BLOB_SIZE} a bundle carries: fetch it on its own from its file URL.`,
            { details: { digest, size, max: BUNDLE_MAX_BLOB_SIZE } },
          );
        }
        total += size;
      }
      if (total > BUNDLE_MAX_BYTES) {
        throw new CairnError(
          "PAYLOAD_TOO_LARGE",
          `These blobs hold ${total} bytes, more than the ${BUNDLE_MAX_BYTES} of one bundle: split them into several bundles.`,
          { details: { bytes: total, max: BUNDLE_MAX_BYTES } },
        );
      }
      // Every blob must be stored (and its size known) before the header goes out: after it, a
      // failure can only cut the connection.
      const blobs = await statAll(deps, digests);
      const header = encodeBundleHeader(blobs);
      return {
        blobs,
        header,
        contentLength: header.byteLength + blobs.reduce((n, b) => n + b.size, 0),
        body: () => readAhead(deps, blobs),
      };
    },
  };
}

/** The bundle download service. */
export type BundleDownloads = ReturnType<typeof createBundleDownloads>;

/** Bytes of one `getMany` of a packed store while the bundle is streamed (one group read ahead). */
const PACKED_GROUP_BYTES = 8 * 1024 * 1024;

/**
 * A packed store's blobs in groups: each group is one `getMany`, which reads the records of each
 * pack as contiguous ranges (one read for many neighbouring blobs); the next group is read while
 * this one is sent.
 */
async function* readPacked(
  store: PackedBlobStore,
  blobs: BundleBlob[],
): AsyncGenerator<Uint8Array> {
  const groups: BundleBlob[][] = [];
  let current: BundleBlob[] = [];
  let bytes = 0;
  for (const blob of blobs) {
    if (current.length > 0 && bytes + blob.size > PACKED_GROUP_BYTES) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(blob);
    bytes += blob.size;
  }
  if (current.length > 0) groups.push(current);
  const read = (group: BundleBlob[] | undefined) => {
    if (!group) return null;
    const pending = store.getMany(group.map((b) => b.digest));
    pending.catch(() => {}); // awaited below; a failure there ends the stream
    return pending;
  };
  let next = read(groups[0]);
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    const buffers = await next!;
    next = read(groups[g + 1]);
    for (const [i, blob] of group.entries()) {
      const bytesOf = buffers[i]!;
      if (bytesOf.length !== blob.size) {
        throw new CairnError(
          "UNAVAILABLE",
          `Blob ${blob.digest} changed size while it was sent (${bytesOf.length} of ${blob.size} bytes).`,
        );
      }
      if (bytesOf.length > 0) yield bytesOf;
    }
  }
}

/** Yields each blob's bytes in order while the next ones are read (bounded by count and bytes). */
async function* readAhead(deps: ServiceDeps, blobs: BundleBlob[]): AsyncGenerator<Uint8Array> {
  if (isPackedStore(deps.blobs)) {
    yield* readPacked(deps.blobs, blobs);
    return;
  }
  const reads: Array<Promise<Buffer>> = [];
  let started = 0;
  let buffered = 0;
  const fill = (): void => {
    while (
      started < blobs.length &&
      reads.length < READ_AHEAD_BLOBS &&
      (reads.length === 0 || buffered + blobs[started]!.size <= READ_AHEAD_BYTES)
    ) {
      const blob = blobs[started++]!;
      buffered += blob.size;
      const read = readWhole(deps, blob);
      read.catch(() => {}); // awaited in order below; a failure there ends the stream
      reads.push(read);
    }
  };
  fill();
  for (const blob of blobs) {
    const bytes = await reads.shift()!;
    buffered -= blob.size;
    fill();
    if (bytes.length > 0) yield bytes;
  }
}

async function readWhole(deps: ServiceDeps, blob: BundleBlob): Promise<Buffer> {
  if (blob.size === 0) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of await deps.blobs.get(blob.digest)) chunks.push(chunk as Buffer);
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  if (bytes.length !== blob.size) {
    throw new CairnError(
      "UNAVAILABLE",
      `Blob ${blob.digest} changed size while it was sent (${bytes.length} of ${blob.size} bytes).`,
    );
  }
  return bytes;
}

function manifestOfToken(deps: ServiceDeps, token: string | null): number {
  const subject = subjectOf(token);
  verifyByteToken(deps.signingSecret, token, {
    digest: subject,
    op: "get",
    nowSeconds: Math.floor(nowOf(deps).getTime() / 1000),
  });
  const id = Number(subject.slice(SUBJECT_PREFIX.length));
  if (!subject.startsWith(SUBJECT_PREFIX) || !Number.isSafeInteger(id)) {
    throw new CairnError(
      "FORBIDDEN",
      "This token is not a bundle download token: request a bundle URL from artifacts.fileUrlsBatch.",
    );
  }
  return id;
}

/** The token's unverified `d` claim, so verification can compare it (the MAC is checked next). */
function subjectOf(token: string | null): string {
  try {
    const payload = (token ?? "").split(".")[0] ?? "";
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
      d?: unknown;
    };
    return typeof claims.d === "string" ? claims.d : "";
  } catch {
    return "";
  }
}

const DIGEST_RE = /^[0-9a-f]{64}$/;

function parseDigestList(request: unknown): string[] {
  const digests = (request as { digests?: unknown } | null)?.digests;
  if (!Array.isArray(digests) || digests.length === 0) {
    throw new CairnError(
      "INVALID_INPUT",
      'A bundle request is a JSON body {"digests":["<sha256>",…]} listing at least one digest.',
    );
  }
  if (digests.length > BUNDLE_MAX_BLOBS) {
    throw new CairnError(
      "INVALID_INPUT",
      `A bundle request lists ${digests.length} digests, more than ${BUNDLE_MAX_BLOBS}: split it into several bundles.`,
    );
  }
  const seen = new Set<string>();
  for (const [i, digest] of digests.entries()) {
    if (typeof digest !== "string" || !DIGEST_RE.test(digest)) {
      throw new CairnError(
        "INVALID_INPUT",
        `Digest ${i} of the bundle request is not a SHA-256: give 64 lowercase hex characters.`,
        { details: { index: i } },
      );
    }
    if (seen.has(digest)) {
      throw new CairnError(
        "INVALID_INPUT",
        `Digest ${digest} is listed twice in the bundle request: list each blob once.`,
        { details: { digest } },
      );
    }
    seen.add(digest);
  }
  return digests as string[];
}

/**
 * A packed store answers all sizes in one index query; the blobs are then sent in pack order
 * (the bundle header lists them in that order, which clients accept), so the body is read as
 * contiguous ranges of each pack.
 */
async function statPacked(store: PackedBlobStore, digests: string[]): Promise<BundleBlob[]> {
  const found = await store.statMany(digests);
  const located = digests.map((digest) => {
    const stat = found.get(digest);
    if (!stat) throw notStored(digest);
    return { digest, size: stat.size, pack: stat.pack };
  });
  located.sort((a, b) => {
    const pa = a.pack?.packId ?? "";
    const pb = b.pack?.packId ?? "";
    if (pa !== pb) return pa < pb ? -1 : 1;
    return (a.pack?.offset ?? 0) - (b.pack?.offset ?? 0);
  });
  return located.map(({ digest, size }) => ({ digest, size }));
}

function notStored(digest: string): CairnError {
  return new CairnError(
    "NOT_FOUND",
    `Blob ${digest} is not stored: it may have been garbage-collected; re-fetch the manifest and its file URLs.`,
    { details: { digest } },
  );
}

async function statAll(deps: ServiceDeps, digests: string[]): Promise<BundleBlob[]> {
  if (isPackedStore(deps.blobs)) return statPacked(deps.blobs, digests);
  const out: BundleBlob[] = new Array(digests.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < digests.length) {
      const i = next++;
      const digest = digests[i]!;
      const stat = await deps.blobs.stat(digest);
      if (!stat) throw notStored(digest);
      out[i] = { digest, size: stat.size };
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, digests.length) }, worker));
  return out;
}
