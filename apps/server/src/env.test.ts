import { describe, expect, it } from "vitest";
import { blobStoreConfigOf, databaseConfigOf, publicUrlOf } from "./config.js";
import { readServerEnv, serverEnvSchema } from "./env.js";

describe("server configuration", () => {
  it("defaults to PGlite and a directory store under the data directory", () => {
    const env = serverEnvSchema.parse({ CAIRN_DATA_DIR: "/srv/cairn" });
    expect(databaseConfigOf(env)).toEqual({ dataDir: "/srv/cairn/pg" });
    expect(blobStoreConfigOf(env)).toEqual({
      kind: "fs",
      root: "/srv/cairn/blobs",
      packThreshold: 4 * 1024 * 1024,
    });
    expect(publicUrlOf(env, "http", 8787)).toBe("http://127.0.0.1:8787");
  });

  it("uses PostgreSQL, S3 and the public URL when configured", () => {
    const env = serverEnvSchema.parse({
      DATABASE_URL: "postgres://cairn@db/cairn",
      CAIRN_BLOB_STORE: "s3",
      CAIRN_S3_BUCKET: "artifacts",
      CAIRN_S3_ENDPOINT: "http://minio:9000",
      CAIRN_S3_FORCE_PATH_STYLE: "true",
      CAIRN_S3_SSE: "aws:kms",
      CAIRN_S3_KMS_KEY_ID: "key-1",
      CAIRN_PUBLIC_URL: "https://cairn.example.com/",
      CAIRN_HOST: "0.0.0.0",
    });
    expect(databaseConfigOf(env)).toEqual({
      url: "postgres://cairn@db/cairn",
      poolSize: 10,
      preparedStatements: true,
    });
    expect(blobStoreConfigOf(env)).toMatchObject({
      kind: "s3",
      bucket: "artifacts",
      endpoint: "http://minio:9000",
      forcePathStyle: true,
      sse: { type: "aws:kms", kmsKeyId: "key-1" },
    });
    expect(publicUrlOf(env, "https", 443)).toBe("https://cairn.example.com");
    const wildcard = serverEnvSchema.parse({ CAIRN_HOST: "0.0.0.0" });
    expect(publicUrlOf(wildcard, "http", 9000)).toBe("http://localhost:9000");
  });

  it("sizes the PostgreSQL pool from CAIRN_DATABASE_POOL_SIZE and refuses nonsense", () => {
    const env = serverEnvSchema.parse({
      DATABASE_URL: "postgres://cairn@db/cairn",
      CAIRN_DATABASE_POOL_SIZE: "25",
    });
    expect(databaseConfigOf(env)).toEqual({
      url: "postgres://cairn@db/cairn",
      poolSize: 25,
      preparedStatements: true,
    });
    const unprepared = serverEnvSchema.parse({
      DATABASE_URL: "postgres://cairn@db/cairn",
      CAIRN_DATABASE_PREPARE: "false",
    });
    expect(databaseConfigOf(unprepared)).toMatchObject({ preparedStatements: false });
    for (const bad of ["0", "lots", "1.5", "1000"]) {
      expect(() => readServerEnv({ CAIRN_DATABASE_POOL_SIZE: bad })).toThrow(
        /CAIRN_DATABASE_POOL_SIZE/,
      );
    }
  });

  it("names the variable and the rule when a value is invalid", () => {
    expect(() => readServerEnv({ CAIRN_PORT: "99999", CAIRN_ENCRYPTION_KEY: "short" })).toThrow(
      /CAIRN_PORT[\s\S]*CAIRN_ENCRYPTION_KEY: must be 64 hex characters/,
    );
  });
});
