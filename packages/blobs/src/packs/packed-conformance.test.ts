import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { createPackIndex, createTestDatabase, type TestDatabase } from "@cairn/db";
import { afterAll, beforeAll } from "vitest";
import { createFsBlobStore, createS3BlobStore, type PackIndex } from "../index.js";
import { runBlobStoreConformance, type S3TestServer, startS3TestServer } from "../testing/index.js";
import { runPackConformance } from "../testing/pack-conformance.js";

let database: TestDatabase;
let index: PackIndex;
let server: S3TestServer;

beforeAll(async () => {
  database = await createTestDatabase("pglite");
  index = createPackIndex(database.db);
  server = await startS3TestServer();
}, 60_000);
afterAll(async () => {
  await server.close();
  await database.cleanup();
});

/** Each test starts from an empty index (one database per file; PGlite takes seconds to start). */
async function emptyIndex(): Promise<void> {
  await database.db.deleteFrom("pack_entries").execute();
  await database.db.deleteFrom("packs").execute();
}

/** Flips one byte of a packed blob's record payload, behind the store's back. */
async function corruptFs(root: string, digest: string): Promise<void> {
  const entry = (await index.lookup([digest])).get(digest)!;
  const handle = await open(join(root, "packs", `${entry.packId}.pack`), "r+");
  try {
    const byte = Buffer.alloc(1);
    const at = entry.offset + Math.floor(entry.length / 2);
    await handle.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
}

for (const encrypted of [false, true]) {
  const name = encrypted ? "packed fs, encrypted" : "packed fs";
  const make = async () => {
    await emptyIndex();
    const root = await mkdtemp(join(tmpdir(), "cairn-packs-"));
    const encryptionKey = encrypted ? randomBytes(32) : undefined;
    const build = (packIndex: PackIndex | null = index) =>
      createFsBlobStore({
        root,
        ...(packIndex ? { packIndex } : {}),
        ...(encryptionKey ? { encryptionKey } : {}),
      });
    return {
      store: build(),
      reopen: build,
      legacy: () => build(null),
      index,
      root,
      encrypted,
      corrupt: (digest: string) => corruptFs(root, digest),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  };
  runBlobStoreConformance(name, make);
  runPackConformance(name, make);
}

const s3Make = async () => {
  await emptyIndex();
  const prefix = `t-${randomUUID()}/`;
  const build = (packIndex: PackIndex | null = index) =>
    createS3BlobStore(server.storeOptions(prefix, packIndex ? { packIndex } : {}));
  return {
    store: build(),
    reopen: build,
    legacy: () => build(null),
    index,
    root: null,
    encrypted: false,
    async corrupt(digest: string) {
      const entry = (await index.lookup([digest])).get(digest)!;
      const Key = `${prefix}packs/${entry.packId}.pack`;
      const got = await server.client.send(new GetObjectCommand({ Bucket: server.bucket, Key }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      bytes[entry.offset + Math.floor(entry.length / 2)]! ^= 0xff;
      await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key, Body: bytes }));
    },
  };
};
runBlobStoreConformance("packed s3", s3Make);
runPackConformance("packed s3", s3Make);
