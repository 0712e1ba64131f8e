import { createHash, randomUUID } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { CairnError } from "@cairn/core";
import { assertByteCount } from "../body.js";
import { assertBlobDigest } from "../digest.js";
import { planParts } from "../s3/multipart.js";
import type { BlobBody, CompletedPart, PutOptions, UnsignedMultipartUpload } from "../types.js";
import type { DirSyncer } from "./dir-sync.js";
import { countRecords, decryptRange, openEncrypted, plainRange } from "./fs-read.js";
import { DIR_MODE, FILE_MODE } from "./fs-tmp.js";
import { encryptStream, type MasterKey, plaintextSize } from "./record-cipher.js";

/** What the directory store lends its multipart uploads. */
export interface FsMultipartDeps {
  /** The store's `tmp/` directory; uploads live in `tmp/multipart/<uploadId>/`. */
  tmpDir: string;
  master: MasterKey | undefined;
  fsyncDir: DirSyncer;
  /** The store's own verifying `put`, which the assembled parts are streamed into. */
  put(digest: string, body: BlobBody, options?: PutOptions): Promise<{ size: number }>;
}

/**
 * The durable record of one upload (`upload.json`), written with its first part: what the parts
 * must add up to, and `done` once it was completed or aborted (the directory then stays, without
 * parts, until the sweep removes it, so a late part is refused rather than starting it again).
 */
interface UploadManifest {
  digest: string;
  size: number;
  partSize: number;
  done?: boolean;
}

/** An upload id: `<uuid>.<size>.<partSize>`, so a plan needs nothing on disk. */
const UPLOAD_ID =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(\d{1,16})\.(\d{1,11})$/;
const ETAG = /^(?:W\/)?"?([0-9a-f]{64})"?$/;
const MANIFEST = "upload.json";

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset, null);
    offset += bytesWritten;
  }
}

function unknownUpload(digest: string, uploadId: string, cause?: unknown): CairnError {
  return new CairnError(
    "NOT_FOUND",
    `Multipart upload ${String(uploadId).slice(0, 80)} of blob ${digest} does not exist (completed, aborted or expired): start a new upload with blobs.missing.`,
    { cause, details: { digest, uploadId } },
  );
}

/**
 * Multipart uploads for the directory store, relayed by the server (the store cannot presign).
 * Planning one writes nothing: the upload id carries the blob's size and part size, and the
 * directory is made by the first part (so `blobs.missing` with thousands of large declared sizes
 * creates nothing on disk; the server's signed part tokens bind each id to its digest).
 * Layout: `tmp/multipart/<uuid>/upload.json` plus one file per received part,
 * `<partNumber>.<sha256>.part`, written under a temp name, fsynced, renamed and the directory
 * fsynced — so every acknowledged part survives a killed server and a client can resume by sending
 * only the parts it has no ETag for. The ETag is the part's SHA-256, and it is in the file name, so
 * `completeMultipart` assembles exactly the parts the client names (as S3 does) without re-reading
 * them first. Completion streams the parts in order into the store's normal `put`, which hashes and
 * verifies the whole blob, then removes the upload.
 *
 * With an encryption key, parts are stored encrypted in the same record format as blobs: a 1 GiB
 * upload can sit in `tmp/` for an hour, and "encrypted at rest" must cover it too.
 */
export function createFsMultipart(deps: FsMultipartDeps) {
  const { master, fsyncDir } = deps;
  const uploadsDir = join(deps.tmpDir, "multipart");

  /** The upload's directory and planned shape, after checking the id cannot name anything else. */
  function parse(digest: string, uploadId: string) {
    assertBlobDigest(digest);
    const match = typeof uploadId === "string" ? UPLOAD_ID.exec(uploadId) : null;
    const size = Number(match?.[2]);
    const partSize = Number(match?.[3]);
    if (!match || !Number.isSafeInteger(size) || !Number.isSafeInteger(partSize)) {
      throw unknownUpload(digest, uploadId);
    }
    return { dir: join(uploadsDir, match[1]!), size, partSize };
  }

  /** The upload's record: from its directory once a part arrived, else from its id. */
  async function manifestOf(
    digest: string,
    uploadId: string,
  ): Promise<UploadManifest & { dir: string; started: boolean }> {
    const { dir, size, partSize } = parse(digest, uploadId);
    let text: string;
    try {
      text = await readFile(join(dir, MANIFEST), "utf8");
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ENOENT")
        throw unknownUpload(digest, uploadId, error);
      return { digest, size, partSize, dir, started: false };
    }
    let manifest: UploadManifest;
    try {
      manifest = JSON.parse(text) as UploadManifest;
    } catch (error) {
      throw unknownUpload(digest, uploadId, error);
    }
    // Another blob's upload id is as unknown as a made-up one; a finished one is gone.
    if (manifest.digest !== digest || manifest.size !== size || manifest.partSize !== partSize) {
      throw unknownUpload(digest, uploadId);
    }
    if (manifest.done) throw unknownUpload(digest, uploadId);
    return { ...manifest, dir, started: true };
  }

  /** Writes `upload.json` durably (temp file, fsync, rename, directory fsync). */
  async function writeManifest(dir: string, manifest: UploadManifest): Promise<void> {
    const tmpPath = join(dir, `${MANIFEST}.${randomUUID()}.tmp`);
    const handle = await open(tmpPath, "wx", FILE_MODE);
    try {
      await writeAll(handle, Buffer.from(JSON.stringify(manifest)));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmpPath, join(dir, MANIFEST));
    await fsyncDir(dir);
  }

  /** The first part makes the upload's directory and record. */
  async function start(manifest: UploadManifest & { dir: string }): Promise<void> {
    const { dir } = manifest;
    const created = await mkdir(dir, { recursive: true, mode: DIR_MODE });
    if (created === undefined) return; // another part made it
    // The new directory must itself be a durable entry, or a crash could lose the whole upload.
    await fsyncDir(uploadsDir);
    if (created !== dir) await fsyncDir(deps.tmpDir);
    const { digest, size, partSize } = manifest;
    await writeManifest(dir, { digest, size, partSize });
  }

  /** Marks the upload finished and frees its parts (the directory goes with the sweep). */
  async function finish(manifest: UploadManifest & { dir: string }): Promise<void> {
    const { dir, digest, size, partSize } = manifest;
    await writeManifest(dir, { digest, size, partSize, done: true });
    for (const name of await readdir(dir)) {
      if (name !== MANIFEST) await rm(join(dir, name), { recursive: true, force: true });
    }
  }

  /**
   * Writes `source` (encrypted when the store is) into `dir` durably: a temp file, fsynced, renamed
   * to `nameOf()` — asked only once the source ended, so it may depend on the bytes' hash — and the
   * directory fsynced.
   */
  async function writeDurably(
    dir: string,
    source: AsyncIterable<Uint8Array>,
    nameOf: () => string,
  ): Promise<void> {
    const tmpPath = join(dir, `${randomUUID()}.tmp`);
    const handle = await open(tmpPath, "wx", FILE_MODE);
    let fileOpen = true;
    try {
      for await (const chunk of master ? encryptStream(master, source) : source) {
        await writeAll(handle, chunk);
      }
      await handle.sync();
      fileOpen = false;
      await handle.close();
      await rename(tmpPath, join(dir, nameOf()));
      await fsyncDir(dir);
    } catch (error) {
      if (fileOpen) await handle.close().catch(() => {});
      await rm(tmpPath, { force: true });
      throw error;
    }
  }

  /** The plaintext bytes of one stored part file. */
  async function* readPart(path: string, label: string): AsyncGenerator<Uint8Array> {
    const handle = await open(path, "r");
    let stream: AsyncIterable<Uint8Array>;
    try {
      const fileSize = (await handle.stat()).size;
      if (master) {
        const file = await openEncrypted(handle, master, label);
        countRecords(fileSize, label);
        const size = plaintextSize(fileSize) ?? 0;
        stream = decryptRange(
          handle,
          file,
          fileSize,
          size === 0 ? null : { start: 0, end: size - 1 },
          label,
        );
      } else {
        stream = plainRange(handle, fileSize === 0 ? null : { start: 0, end: fileSize - 1 });
      }
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    yield* stream;
  }

  return {
    async createUnsignedMultipart(
      digest: string,
      size: number,
      partSize: number,
    ): Promise<UnsignedMultipartUpload> {
      assertBlobDigest(digest);
      const parts = planParts(size, partSize);
      return { uploadId: `${randomUUID()}.${size}.${partSize}`, parts };
    },

    async putPart(
      digest: string,
      uploadId: string,
      partNumber: number,
      body: BlobBody,
      size: number,
    ): Promise<{ etag: string }> {
      const manifest = await manifestOf(digest, uploadId);
      assertByteCount(size, "The part size");
      const planned = planParts(manifest.size, manifest.partSize).find(
        (p) => p.partNumber === partNumber,
      );
      if (!planned) {
        throw new CairnError(
          "INVALID_INPUT",
          `Blob ${digest} has no part ${partNumber} in upload ${uploadId}: parts are numbered 1..${Math.max(1, Math.ceil(manifest.size / manifest.partSize))}.`,
          { details: { digest, uploadId, partNumber } },
        );
      }
      if (planned.size !== size) {
        throw new CairnError(
          "INVALID_INPUT",
          `Part ${partNumber} of blob ${digest} is ${planned.size} bytes, not ${size}: use the part URLs from blobs.missing.`,
          { details: { digest, uploadId, partNumber, size: planned.size } },
        );
      }
      const hash = createHash("sha256");
      let received = 0;
      const source: AsyncIterable<unknown> | Iterable<unknown> =
        body instanceof Uint8Array ? [body] : body;
      async function* counted(): AsyncGenerator<Uint8Array> {
        for await (const chunk of source) {
          if (!(chunk instanceof Uint8Array)) {
            throw new CairnError(
              "INVALID_INPUT",
              `A part body yielded a ${typeof chunk} chunk; only Uint8Array/Buffer chunks are allowed.`,
            );
          }
          received += chunk.byteLength;
          if (received > size) {
            throw new CairnError(
              "PAYLOAD_TOO_LARGE",
              `Part ${partNumber} of blob ${digest} is ${size} bytes, but more were sent: send exactly the part's bytes.`,
              { details: { digest, partNumber, size } },
            );
          }
          hash.update(chunk);
          yield chunk;
        }
        if (received !== size) {
          throw new CairnError(
            "INVALID_INPUT",
            `Part ${partNumber} of blob ${digest} is ${size} bytes, but the body ended after ${received}: send the whole part again.`,
            { details: { digest, partNumber, size, received } },
          );
        }
      }
      const { dir } = manifest;
      if (!manifest.started) await start(manifest);
      let etag = "";
      // The ETag (the part's SHA-256) is the final file name, known once the bytes are in.
      try {
        await writeDurably(dir, counted(), () => {
          etag = hash.digest("hex");
          return `${partNumber}.${etag}.part`;
        });
      } catch (error) {
        // Swept while this part was on its way: the directory is gone.
        if ((error as { code?: unknown }).code === "ENOENT") {
          throw unknownUpload(digest, uploadId, error);
        }
        throw error;
      }
      // An earlier, different upload of this part is superseded; complete would refuse its ETag
      // anyway, this only frees the space (best effort: complete removes the parts).
      for (const name of await readdir(dir)) {
        if (name.startsWith(`${partNumber}.`) && name.endsWith(".part") && !name.includes(etag)) {
          await rm(join(dir, name), { force: true });
        }
      }
      return { etag: `"${etag}"` };
    },

    async completeMultipart(
      digest: string,
      uploadId: string,
      parts: CompletedPart[],
    ): Promise<{ size: number }> {
      const manifest = await manifestOf(digest, uploadId);
      const { dir } = manifest;
      const plan = planParts(manifest.size, manifest.partSize);
      const etags = new Map<number, string>();
      for (const part of parts) {
        const tag = ETAG.exec(String(part.etag))?.[1];
        if (!tag) {
          throw new CairnError(
            "INVALID_INPUT",
            `Part ${part.partNumber} of blob ${digest} has the ETag ${String(part.etag).slice(0, 80)}, which this store never issued: pass the ETag header of each part's upload response.`,
            { details: { digest, uploadId, partNumber: part.partNumber } },
          );
        }
        etags.set(part.partNumber, tag);
      }
      const stored = new Set(manifest.started ? await readdir(dir) : []);
      const files = plan.map(({ partNumber }) => {
        const tag = etags.get(partNumber);
        const name = `${partNumber}.${tag}.part`;
        if (tag === undefined || !stored.has(name)) {
          throw new CairnError(
            "INVALID_INPUT",
            tag === undefined
              ? `Completing blob ${digest} needs all ${plan.length} parts, and part ${partNumber} is not listed: upload it and list its ETag.`
              : `Part ${partNumber} of blob ${digest} with ETag "${tag}" was not received (or was replaced): upload the part again and list the ETag it answers.`,
            { details: { digest, uploadId, partNumber } },
          );
        }
        return { partNumber, path: join(dir, name) };
      });
      if (etags.size !== plan.length) {
        throw new CairnError(
          "INVALID_INPUT",
          `Blob ${digest} has ${plan.length} parts, but ${etags.size} were listed: list each part once.`,
          { details: { digest, uploadId } },
        );
      }
      async function* assembled(): AsyncGenerator<Uint8Array> {
        for (const file of files) {
          yield* readPart(file.path, `${digest} (part ${file.partNumber} of upload ${uploadId})`);
        }
      }
      let result: { size: number };
      try {
        result = await deps.put(digest, assembled(), { size: manifest.size });
      } catch (error) {
        // Wrong bytes cannot become right by retrying the same parts: free them, as S3 deletes
        // the assembled object. Anything else (a full disk) leaves the parts for another try.
        if ((error as { code?: unknown }).code === "DIGEST_MISMATCH") await finish(manifest);
        throw error;
      }
      // The blob is stored and verified: the parts are garbage now.
      await finish(manifest);
      return result;
    },

    async abortMultipart(digest: string, uploadId: string): Promise<void> {
      let manifest: Awaited<ReturnType<typeof manifestOf>>;
      try {
        manifest = await manifestOf(digest, uploadId);
      } catch {
        return; // already gone: aborting is idempotent
      }
      // Never started: there is nothing on disk, and nothing is made to remember the abort.
      if (manifest.started) await finish(manifest);
    },
  };
}
