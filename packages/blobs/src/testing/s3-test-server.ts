import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../s3/s3-client.js";
import type { S3BlobStoreOptions } from "../s3/s3-options.js";

/** A running s3rver and everything a store needs to talk to it. */
export interface S3TestServer {
  /** Where s3rver keeps objects (`<bucket>/<key>._S3rver_object`): benchmarks count PUTs here. */
  directory: string;
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * Options of an S3 blob store in this server's bucket under `prefix` (give each test its own,
   * so `list()` sees only its blobs), with `extra` on top.
   */
  storeOptions(prefix: string, extra?: Partial<S3BlobStoreOptions>): S3BlobStoreOptions;
  /** A raw SDK client of the server, to read and tamper with objects behind a store's back. */
  readonly client: S3Client;
  /** Stops the server, destroys the raw client and deletes the data directory. */
  close(): Promise<void>;
}

interface S3rverStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  deleteObject(bucket: string, key: string): Promise<void>;
}
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  store: S3rverStore;
}

/**
 * s3rver keeps objects as files in folders named after the key's prefix, and its delete removes a
 * folder once it is empty. A PUT into the same prefix at that moment opens its file in a folder
 * that is gone, and the error of that write stream has no listener: an uncaught ENOENT in the test
 * process. Cairn's staged uploads (`<prefix>staging/<id>`, deleted once promoted) hit this race
 * under load; a real bucket has no folders. Deletes here remove the object's files only.
 */
function keepPrefixFolders(store: S3rverStore): void {
  store.deleteObject = async (bucket, key) => {
    await Promise.all(
      ["object", "object.md5", "metadata.json"].map((resource) =>
        rm(store.getResourcePath(bucket, key, resource), { force: true }),
      ),
    );
  };
}
const S3RVER_REGION = "us-east-1";
/** The fixed credentials s3rver accepts. */
const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** Store options for an s3rver bucket: path-style, no checksums it cannot verify. */
function s3rverStoreOptions(
  target: { endpoint: string; bucket: string },
  prefix: string,
): S3BlobStoreOptions {
  return {
    bucket: target.bucket,
    endpoint: target.endpoint,
    region: S3RVER_REGION,
    credentials: S3RVER_CREDENTIALS,
    forcePathStyle: true,
    prefix,
    checksumMode: "WHEN_REQUIRED",
    signSha256Checksum: false,
  };
}

type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/**
 * Starts s3rver (an S3-compatible server) on 127.0.0.1 with a random free port and a fresh temp
 * directory, with one bucket created. For tests of any package that needs a real bucket over HTTP.
 * s3rver accepts the fixed credentials `S3RVER`/`S3RVER`; use path-style addressing and
 * `checksumMode: "WHEN_REQUIRED"` against it.
 */
export async function startS3TestServer(options: { bucket?: string } = {}): Promise<S3TestServer> {
  const bucket = options.bucket ?? "cairn-test";
  const directory = await mkdtemp(join(tmpdir(), "cairn-s3rver-"));
  // s3rver is CommonJS without type declarations; load it through require and type what we use.
  const S3rver = createRequire(import.meta.url)("s3rver") as S3rverConstructor;
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
    // Path-style only: vhost parsing would treat "127.0.0.1" labels as bucket names.
    vhostBuckets: false,
  });
  keepPrefixFolders(server.store);
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const storeOptions = (
    prefix: string,
    extra: Partial<S3BlobStoreOptions> = {},
  ): S3BlobStoreOptions => ({ ...s3rverStoreOptions({ endpoint, bucket }, prefix), ...extra });
  let client: S3Client | undefined;
  return {
    directory,
    endpoint,
    bucket,
    region: S3RVER_REGION,
    credentials: S3RVER_CREDENTIALS,
    storeOptions,
    get client() {
      client ??= createS3Client(storeOptions(""));
      return client;
    },
    async close() {
      client?.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Writes `body` at `key` of a bucket on an s3rver started by {@link startS3TestServer}, behind any
 * store's back: tests use it to corrupt a stored object, or to plant foreign keys.
 */
export async function putRawS3Object(
  target: { endpoint: string; bucket: string },
  key: string,
  body: Uint8Array | string,
): Promise<void> {
  const client = createS3Client(s3rverStoreOptions(target, ""));
  try {
    await client.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body }));
  } finally {
    client.destroy();
  }
}
