import { createHash, randomBytes } from "node:crypto";
import { startTestServer, type TestServer, type TestServerOptions } from "@cairn/api/testing";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe } from "vitest";

/** One tenant: a user with an API key. */
export interface Tenant {
  name: string;
  id: string;
  key: string;
}

/** What an attacker observes of one call: status and body, nothing else. */
export interface Answer {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of a wire answer, inspected by tests
  json: any;
}

/**
 * A real server over HTTP with two tenants: alice (projects `private` and `open`) and bob
 * (project `mine`). Every call goes over the wire exactly as an attacker would send it.
 */
export interface World {
  server: TestServer;
  alice: Tenant;
  bob: Tenant;
  /** A tRPC call over HTTP (POST for mutations, GET for queries); `null` = anonymous. */
  call(
    who: Tenant | null,
    path: string,
    input: unknown,
    kind?: "mutation" | "query",
  ): Promise<Answer>;
  /** The data of a successful call; throws with the answer otherwise. */
  // biome-ignore lint/suspicious/noExplicitAny: wire data, inspected by tests
  ok<T = any>(
    who: Tenant | null,
    path: string,
    input: unknown,
    kind?: "mutation" | "query",
  ): Promise<T>;
  /**
   * Uploads `bytes` as `who` into `project` the way the client does (missing → PUT or parts →
   * complete when the target asks for it) and returns the entry.
   */
  upload(who: Tenant, entity: string, project: string, bytes: Buffer): Promise<Entry>;
  /** A new tenant `name` with a private project `mine`. */
  newTenant(name: string): Promise<Tenant>;
  /** Raw HTTP to the server (byte routes). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface Entry {
  path: string;
  digest: string;
  size: number;
}

export const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

let counter = 0;
/** A name unique in this process (names must differ between tests sharing a world). */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Starts a world; `names` fixes the tenants' names (the property test needs equal names in two worlds). */
export async function startWorld(
  options: TestServerOptions = {},
  names: { alice: string; bob: string } = {
    alice: `alice-${randomBytes(3).toString("hex")}`,
    bob: `bob-${randomBytes(3).toString("hex")}`,
  },
): Promise<World> {
  const server = await startTestServer(options);
  const base = server.baseUrl;
  const admin: Tenant = { name: server.adminName, id: "", key: server.adminKey };

  async function call(
    who: Tenant | null,
    path: string,
    input: unknown,
    kind: "mutation" | "query" = "mutation",
  ): Promise<Answer> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (who) headers.authorization = `Bearer ${who.key}`;
    const url =
      kind === "query"
        ? `${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`
        : `${base}/trpc/${path}`;
    const response = await fetch(url, {
      method: kind === "query" ? "GET" : "POST",
      headers,
      ...(kind === "query" ? {} : { body: JSON.stringify(input) }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  }

  async function ok(
    who: Tenant | null,
    path: string,
    input: unknown,
    kind: "mutation" | "query" = "mutation",
  ) {
    const answer = await call(who, path, input, kind);
    if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}: ${answer.text}`);
    return answer.json.result.data;
  }

  async function tenant(name: string): Promise<Tenant> {
    const made = await ok(admin, "accounts.createUser", { name });
    return { name, id: made.user.id, key: made.apiKey };
  }

  async function newTenant(name: string): Promise<Tenant> {
    const made = await tenant(name);
    await ok(made, "projects.create", { entity: made.name, name: "mine", visibility: "private" });
    return made;
  }

  const alice = await tenant(names.alice);
  await ok(alice, "projects.create", {
    entity: alice.name,
    name: "private",
    visibility: "private",
  });
  await ok(alice, "projects.create", { entity: alice.name, name: "open", visibility: "open" });
  const bob = await newTenant(names.bob);

  async function upload(
    who: Tenant,
    entity: string,
    project: string,
    bytes: Buffer,
  ): Promise<Entry> {
    const digest = sha256(bytes);
    const answer = await ok(who, "blobs.missing", {
      entity,
      project,
      blobs: [{ digest, size: bytes.length }],
    });
    for (const m of answer.missing) {
      if (m.upload.kind === "multipart") {
        const parts = [];
        for (const part of m.upload.parts) {
          const start = (part.partNumber - 1) * m.upload.partSize;
          const put = await fetch(part.url, {
            method: "PUT",
            body: bytes.subarray(start, start + part.size),
          });
          if (put.status !== 200)
            throw new Error(`part answered ${put.status}: ${await put.text()}`);
          parts.push({ partNumber: part.partNumber, etag: put.headers.get("etag") ?? "" });
        }
        await ok(who, "blobs.complete", {
          entity,
          project,
          digest,
          size: bytes.length,
          multipart: { uploadId: m.upload.uploadId, parts },
        });
        continue;
      }
      const put = await fetch(m.upload.url, {
        method: "PUT",
        body: bytes,
        headers: m.upload.headers,
      });
      if (put.status !== 200) throw new Error(`PUT answered ${put.status}: ${await put.text()}`);
      // A presigned PUT to a bucket staging key: the server verifies and stores it on complete.
      if (m.upload.complete) {
        await ok(who, "blobs.complete", {
          entity,
          project,
          digest,
          size: bytes.length,
          uploadId: m.upload.uploadId,
        });
      }
    }
    return { path: `${digest.slice(0, 8)}.bin`, digest, size: bytes.length };
  }

  return {
    server,
    alice,
    bob,
    call,
    ok,
    upload,
    newTenant,
    fetch: (path, init) => fetch(`${base}${path}`, init),
    close: () => server.close(),
  };
}

/**
 * Runs `body` against a world on embedded PGlite and one on PostgreSQL (skipped with a loud
 * marker off CI when PostgreSQL is down; failing on CI).
 */
export async function describeOnEngines(
  name: string,
  body: (world: () => World, engine: "pglite" | "postgres") => void,
  options: TestServerOptions = {},
): Promise<void> {
  const suite = (engine: "pglite" | "postgres") => () => {
    let world: World | undefined;
    beforeAll(async () => {
      world = await startWorld({ ...options, db: engine });
    });
    afterAll(async () => {
      await world?.close();
    });
    body(() => {
      if (!world) throw new Error("world not ready (beforeAll failed)");
      return world;
    }, engine);
  };
  describe(`${name} [pglite]`, suite("pglite"));
  await describeWithServices(["postgres"], `${name} [postgres]`, suite("postgres"));
}

/** `n` random bytes, different on every call. */
export function secret(n = 37): Buffer {
  return randomBytes(n);
}
