import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TlsOptions } from "@cairn/api";
import type { BlobStoreConfig } from "@cairn/blobs";
import { CairnError } from "@cairn/core";
import type { DatabaseConfig } from "@cairn/db";
import type { ServerEnv } from "./env.js";

/** Where the embedded PGlite lives inside the data directory. */
export const PGLITE_SUBDIR = "pg";
/** Where the directory blob store lives inside the data directory by default. */
export const BLOBS_SUBDIR = "blobs";
/** The file the first start writes the admin API key to (mode 0600). */
export const ADMIN_KEY_FILE = "admin-api-key";

/** PostgreSQL when `DATABASE_URL` is set, else embedded PGlite in `<data dir>/pg` (locked). */
export function databaseConfigOf(env: ServerEnv): DatabaseConfig {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, poolSize: env.CAIRN_DATABASE_POOL_SIZE };
  return { dataDir: join(resolve(env.CAIRN_DATA_DIR), PGLITE_SUBDIR) };
}

/** The blob store the env describes: a directory (default `<data dir>/blobs`) or an S3 bucket. */
export function blobStoreConfigOf(env: ServerEnv): BlobStoreConfig {
  if (env.CAIRN_BLOB_STORE === "fs") {
    return {
      kind: "fs",
      root: resolve(env.CAIRN_BLOB_DIR ?? join(env.CAIRN_DATA_DIR, BLOBS_SUBDIR)),
      ...(env.CAIRN_ENCRYPTION_KEY === undefined
        ? {}
        : { encryptionKey: env.CAIRN_ENCRYPTION_KEY }),
      packThreshold: env.CAIRN_PACK_THRESHOLD,
    };
  }
  if (!env.CAIRN_S3_BUCKET) {
    throw new CairnError(
      "INVALID_INPUT",
      "CAIRN_BLOB_STORE=s3 needs CAIRN_S3_BUCKET (and CAIRN_S3_ENDPOINT for a non-AWS server); or set CAIRN_BLOB_STORE=fs.",
    );
  }
  if (Boolean(env.CAIRN_S3_ACCESS_KEY_ID) !== Boolean(env.CAIRN_S3_SECRET_ACCESS_KEY)) {
    throw new CairnError(
      "INVALID_INPUT",
      "Set both CAIRN_S3_ACCESS_KEY_ID and CAIRN_S3_SECRET_ACCESS_KEY, or neither (the AWS default credential chain is then used).",
    );
  }
  const sse =
    env.CAIRN_S3_SSE === "AES256"
      ? { type: "AES256" as const }
      : env.CAIRN_S3_SSE === "aws:kms"
        ? {
            type: "aws:kms" as const,
            ...(env.CAIRN_S3_KMS_KEY_ID ? { kmsKeyId: env.CAIRN_S3_KMS_KEY_ID } : {}),
          }
        : undefined;
  return {
    kind: "s3",
    bucket: env.CAIRN_S3_BUCKET,
    region: env.CAIRN_S3_REGION,
    forcePathStyle: env.CAIRN_S3_FORCE_PATH_STYLE,
    checksumMode: env.CAIRN_S3_CHECKSUM_MODE,
    signSha256Checksum: env.CAIRN_S3_SIGN_CHECKSUM,
    packThreshold: env.CAIRN_PACK_THRESHOLD,
    ...(env.CAIRN_S3_ENDPOINT ? { endpoint: env.CAIRN_S3_ENDPOINT } : {}),
    ...(env.CAIRN_S3_ACCESS_KEY_ID && env.CAIRN_S3_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.CAIRN_S3_ACCESS_KEY_ID,
            secretAccessKey: env.CAIRN_S3_SECRET_ACCESS_KEY,
          },
        }
      : {}),
    ...(sse ? { sse } : {}),
  };
}

/** Reads the PEM files named by CAIRN_TLS_CERT / CAIRN_TLS_KEY; none → plain HTTP. */
export async function tlsOptionsOf(env: ServerEnv): Promise<TlsOptions | undefined> {
  if (!env.CAIRN_TLS_CERT && !env.CAIRN_TLS_KEY) return undefined;
  if (!env.CAIRN_TLS_CERT || !env.CAIRN_TLS_KEY) {
    throw new CairnError(
      "INVALID_INPUT",
      "HTTPS needs both CAIRN_TLS_CERT and CAIRN_TLS_KEY (paths to PEM files); set both, or neither for plain HTTP behind a TLS proxy.",
    );
  }
  const read = async (path: string, name: string) => {
    try {
      return await readFile(path);
    } catch (cause) {
      throw new CairnError(
        "INVALID_INPUT",
        `${name}=${path} cannot be read: ${(cause as Error).message}.`,
        { cause },
      );
    }
  };
  return {
    cert: await read(env.CAIRN_TLS_CERT, "CAIRN_TLS_CERT"),
    key: await read(env.CAIRN_TLS_KEY, "CAIRN_TLS_KEY"),
  };
}

/**
 * The URL clients are told to use (and byte URLs embed): CAIRN_PUBLIC_URL, else the bound
 * address — with a wildcard host replaced by `localhost`, which a client can actually reach.
 */
export function publicUrlOf(env: ServerEnv, protocol: "http" | "https", port: number): string {
  if (env.CAIRN_PUBLIC_URL) return env.CAIRN_PUBLIC_URL.replace(/\/+$/, "");
  const wildcard = env.CAIRN_HOST === "0.0.0.0" || env.CAIRN_HOST === "::" || env.CAIRN_HOST === "";
  const host = wildcard
    ? "localhost"
    : env.CAIRN_HOST.includes(":")
      ? `[${env.CAIRN_HOST}]`
      : env.CAIRN_HOST;
  return `${protocol}://${host}:${port}`;
}

/**
 * Where the built web app is: CAIRN_WEB_DIR, else `apps/web/dist` of this checkout when it has been
 * built (so `pnpm start` serves the UI with no second command), else none (API only). Resolved
 * from this file, which sits at the same depth in `src/` and `dist/`.
 */
export function webDirOf(
  env: ServerEnv,
  builtWebDir: string = fileURLToPath(new URL("../../web/dist", import.meta.url)),
): string | undefined {
  if (env.CAIRN_WEB_DIR !== undefined) return env.CAIRN_WEB_DIR;
  return existsSync(join(builtWebDir, "index.html")) ? builtWebDir : undefined;
}
