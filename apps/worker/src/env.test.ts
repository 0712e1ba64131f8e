import { describe, expect, it } from "vitest";
import { blobStoreConfigOf, readWorkerEnv } from "./index.js";

const base = { DATABASE_URL: "postgres://u@db:5432/cairn", REDIS_URL: "redis://redis:6379" };

describe("worker env", () => {
  it("requires the shared PostgreSQL and Redis, naming each missing variable", () => {
    expect(() => readWorkerEnv({})).toThrow(/DATABASE_URL[\s\S]*REDIS_URL/);
    expect(() => readWorkerEnv({ ...base, DATABASE_URL: "file:./cairn.db" })).toThrow(
      /postgres:\/\//,
    );
  });

  it("parses durations and defaults, and builds the same blob store config as the server", () => {
    const env = readWorkerEnv({
      ...base,
      CAIRN_BLOB_GC_GRACE: "30m",
      CAIRN_BLOB_DIR: "/data/blobs",
    });
    expect(env.CAIRN_BLOB_GC_GRACE).toBe(30 * 60_000);
    expect(env.CAIRN_TTL_EXPIRY_INTERVAL).toBe(60_000);
    expect(env.CAIRN_QUEUE_PREFIX).toBe("cairn");
    expect(blobStoreConfigOf(env)).toEqual({
      kind: "fs",
      root: "/data/blobs",
      packThreshold: 4 * 1024 * 1024,
    });
    expect(() => readWorkerEnv({ ...base, CAIRN_BLOB_GC_GRACE: "soon" })).toThrow(
      /CAIRN_BLOB_GC_GRACE/,
    );
    expect(() => blobStoreConfigOf(readWorkerEnv({ ...base, CAIRN_BLOB_STORE: "s3" }))).toThrow(
      /CAIRN_S3_BUCKET/,
    );
  });

  it("refuses half-set S3 credentials, as the server does", () => {
    const halfSet = readWorkerEnv({
      ...base,
      CAIRN_BLOB_STORE: "s3",
      CAIRN_S3_BUCKET: "b",
      CAIRN_S3_ACCESS_KEY_ID: "id-only",
    });
    expect(() => blobStoreConfigOf(halfSet)).toThrow(/CAIRN_S3_SECRET_ACCESS_KEY/);
  });
});
