import { createHash, randomBytes } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { putRawS3Object } from "@cairn/blobs/testing";
import { createTRPCClient, httpLink, type TRPCClient, TRPCClientError } from "@trpc/client";
import { expect } from "vitest";
import type { AppRouter } from "../src/index.js";
import { startTestServer, type TestServer, type TestServerOptions } from "../src/testing/index.js";

/** One engine combination of the HTTP matrix. */
export interface Combo extends TestServerOptions {
  /** Suite label, e.g. `pglite × fs`. */
  label: string;
}

/** One HTTP exchange seen by a {@link Client}: the procedure path(s) and the response status. */
export interface Exchange {
  procedures: string[];
  status: number;
}

/** Everything the suites share for one combination: the server and every exchange made. */
export interface Harness {
  server: TestServer;
  combo: Combo;
  /** Every tRPC exchange of every client of this harness, in order. */
  exchanges: Exchange[];
}

/** A typed tRPC client over real HTTP, one request per call, that records response statuses. */
export interface Client {
  api: TRPCClient<AppRouter>;
  /** The HTTP status of this client's most recent response. */
  lastStatus(): number;
  /** The API key it sends (null = anonymous). */
  key: string | null;
}

/** A signed-in user created through `accounts.createUser`. */
export interface HttpUser {
  id: string;
  name: string;
  key: string;
  client: Client;
}

/** Starts the server for a combination; pair with `harness.server.close()` in `afterAll`. */
export async function startHarness(combo: Combo): Promise<Harness> {
  const { label: _label, ...options } = combo;
  const server = await startTestServer(options);
  return { server, combo, exchanges: [] };
}

/**
 * A client for `key`. Unlike the harness's batching client, every call is its own HTTP request
 * (`httpLink`), so the recorded status is the real status of that one call — what the access
 * matrix asserts — and concurrent calls are really concurrent requests.
 */
export function clientFor(harness: Harness, key: string | null): Client {
  let last = 0;
  const recordingFetch = async (
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> => {
    const response = await fetch(input, init);
    last = response.status;
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const procedures = decodeURIComponent(url.pathname.replace(/^\/trpc\//, "")).split(",");
    harness.exchanges.push({ procedures, status: response.status });
    return response;
  };
  const api = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${harness.server.baseUrl}/trpc`,
        headers: () => (key === null ? {} : { authorization: `Bearer ${key}` }),
        fetch: recordingFetch,
      }),
    ],
  });
  return { api, lastStatus: () => last, key };
}

let counter = 0;
/** A name unique in this test process (valid as an entity, project or artifact name). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${randomBytes(3).toString("hex")}`;
}

/** Creates a user as the site admin and returns its client. */
export async function newUser(harness: Harness, admin: Client, prefix: string): Promise<HttpUser> {
  const created = await admin.api.accounts.createUser.mutate({ name: uniqueName(prefix) });
  return {
    id: created.user.id,
    name: created.user.name,
    key: created.apiKey,
    client: clientFor(harness, created.apiKey),
  };
}

/** Lowercase hex SHA-256. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Random file contents with their digest. */
export function randomFile(size: number): { bytes: Buffer; digest: string } {
  const bytes = randomBytes(size);
  return { bytes, digest: sha256(bytes) };
}

/**
 * Asserts a call is refused with an HTTP status (and optionally a domain code), with a message
 * that says something. Returns the error for further checks.
 */
export async function expectRefused(
  promise: Promise<unknown>,
  status: number,
  domainCode?: string,
): Promise<TRPCClientError<AppRouter>> {
  const error = await promise.then(
    (value) => {
      throw new Error(
        `expected HTTP ${status}, but the call succeeded with ${JSON.stringify(value)}`,
      );
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  const trpcError = error as TRPCClientError<AppRouter>;
  expect(trpcError.data?.httpStatus, trpcError.message).toBe(status);
  if (domainCode !== undefined) expect(trpcError.data?.domainCode).toBe(domainCode);
  expect(trpcError.message.length).toBeGreaterThan(10);
  return trpcError;
}

type UploadTarget = Awaited<
  ReturnType<TRPCClient<AppRouter>["blobs"]["missing"]["mutate"]>
>["missing"][number]["upload"];

/** PUTs bytes to a `blobs.missing` upload target (single PUT only: test files are small). */
export async function putToTarget(target: UploadTarget, bytes: Uint8Array): Promise<Response> {
  if (target.kind !== "put") throw new Error(`expected a single PUT target, got ${target.kind}`);
  return fetch(target.url, { method: "PUT", headers: target.headers, body: bytes });
}

/**
 * Uploads files the way a client does: `blobs.missing`, PUT each listed one to its URL, and
 * `blobs.complete` when the target asks for it. Returns the manifest entries for `artifacts.log`.
 */
export async function uploadFiles(
  client: Client,
  project: { entity: string; project: string },
  files: Record<string, Buffer>,
): Promise<Array<{ path: string; digest: string; size: number }>> {
  const entries = Object.entries(files).map(([path, bytes]) => ({
    path,
    digest: sha256(bytes),
    size: bytes.length,
  }));
  const byDigest = new Map(entries.map((e) => [e.digest, files[e.path] as Buffer]));
  const { missing } = await client.api.blobs.missing.mutate({
    ...project,
    blobs: entries.map(({ digest, size }) => ({ digest, size })),
  });
  for (const item of missing) {
    const bytes = byDigest.get(item.digest);
    if (!bytes) throw new Error(`blobs.missing listed ${item.digest}, which was not asked for`);
    const response = await putToTarget(item.upload, bytes);
    expect(response.status, await response.clone().text()).toBe(200);
    if (item.upload.kind === "put" && item.upload.complete) {
      expect(
        await client.api.blobs.complete.mutate({
          ...project,
          digest: item.digest,
          size: item.size,
          ...(item.upload.uploadId === undefined ? {} : { uploadId: item.upload.uploadId }),
        }),
      ).toEqual({ ok: true });
    }
  }
  return entries;
}

/**
 * Overwrites a stored blob's bytes behind the server's back: the file of the directory store, or
 * the object in the bucket (written straight to its key: the silent corruption `blob-verify`
 * exists to catch).
 */
export async function corruptStoredBlob(
  server: TestServer,
  digest: string,
  bytes: Uint8Array,
): Promise<void> {
  const location = server.blobLocation;
  if (location.kind === "fs") {
    const path = join(location.root, digest.slice(0, 2), digest.slice(2, 4), digest);
    await chmod(path, 0o644);
    await writeFile(path, bytes);
    return;
  }
  // Straight to the blob's key: presigned uploads go to staging keys and are verified.
  const key = `${location.keyPrefix}${digest.slice(0, 2)}/${digest.slice(2, 4)}/${digest}`;
  await putRawS3Object(location, key, bytes);
}

/** Sends a raw request to the server (for malformed bodies the typed client cannot produce). */
export async function rawRequest(
  server: TestServer,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.baseUrl}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Non-JSON answers are returned as text; the caller asserts on them.
  }
  return { status: response.status, body };
}
