import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TlsOptions } from "@cairn/api";
import { BLOBS_SUBDIR, type BlobStoreConfig, blobStoreConfigFromEnv } from "@cairn/blobs";
import { CairnError } from "@cairn/core";
import type { DatabaseConfig } from "@cairn/db";
import type { ServerEnv } from "./env.js";

/** Where the embedded PGlite lives inside the data directory. */
export const PGLITE_SUBDIR = "pg";
export { BLOBS_SUBDIR };
/** The file the first start writes the admin API key to (mode 0600). */
export const ADMIN_KEY_FILE = "admin-api-key";

/** PostgreSQL when `DATABASE_URL` is set, else embedded PGlite in `<data dir>/pg` (locked). */
export function databaseConfigOf(env: ServerEnv): DatabaseConfig {
  if (env.DATABASE_URL) {
    return {
      url: env.DATABASE_URL,
      poolSize: env.CAIRN_DATABASE_POOL_SIZE,
      preparedStatements: env.CAIRN_DATABASE_PREPARE,
    };
  }
  return { dataDir: join(resolve(env.CAIRN_DATA_DIR), PGLITE_SUBDIR) };
}

/** The blob store the env describes (one definition with the worker's, in `@cairn/blobs`). */
export function blobStoreConfigOf(env: ServerEnv): BlobStoreConfig {
  return blobStoreConfigFromEnv(env);
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
