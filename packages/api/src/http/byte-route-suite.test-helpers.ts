import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { AppRouter } from "../root.js";
import { startTestServer, type TestServer, type TestServerOptions } from "../testing/index.js";
import { byteUrl, entityId, makeBlob, openUpload, ownersOf } from "./byte-routes.test-helpers.js";

/**
 * The wire behaviour every engine combination must show: health, auth over tRPC, and the byte
 * routes (put/get/range, digest and size enforcement, tokens). Called inside a `describe`.
 */
export function httpConformance(options: TestServerOptions): void {
  let server: TestServer;
  let adminId: string;
  beforeAll(async () => {
    server = await startTestServer(options);
    adminId = await entityId(server.services, server.adminName);
  });
  afterAll(async () => {
    await server?.close();
  });
  /** A signed upload URL of the admin for `digest`, allowing `size` bytes. */
  const putUrl = (digest: string, size: number, extra: { expiresInSec?: number } = {}) =>
    byteUrl(server.baseUrl, server.services, {
      digest,
      op: "put",
      entityId: adminId,
      size,
      ...extra,
    });

  it("answers liveness and readiness with every check passing", async () => {
    const live = await fetch(`${server.baseUrl}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ ok: true });
    const ready = await fetch(`${server.baseUrl}/readyz`);
    const body = (await ready.json()) as { ok: boolean; checks: Record<string, { ok: boolean }> };
    expect(ready.status).toBe(200);
    expect(body.ok).toBe(true);
    expect(Object.keys(body.checks).sort()).toEqual(["blobs", "db", "jobs"]);
    expect(Object.values(body.checks).every((c) => c.ok)).toBe(true);
  });

  it("round-trips health.ping through the typed client, signed in and anonymous", async () => {
    await expect(server.client.health.ping.query()).resolves.toMatchObject({ ok: true });
    await expect(server.clientFor(null).health.ping.query()).resolves.toMatchObject({ ok: true });
  });

  it("answers 401 with the reason for an unknown or malformed API key, never 500", async () => {
    const unknown = `cairn_${"A".repeat(12)}_${"x".repeat(43)}`;
    const raw = await fetch(`${server.baseUrl}/trpc/health.ping`, {
      headers: { authorization: `Bearer ${unknown}` },
    });
    expect(raw.status).toBe(401);
    const body = (await raw.json()) as { error: { message: string; data: { code: string } } };
    expect(body.error.data.code).toBe("UNAUTHORIZED");
    expect(body.error.message).toMatch(/API key/);

    const error = await server
      .clientFor("not-a-key")
      .health.ping.query()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data?.httpStatus).toBe(401);
  });

  it("stores an upload, records the entity's ownership, and serves it back whole", async () => {
    const { bytes, digest } = makeBlob(70_000);
    const put = await fetch(putUrl(digest, bytes.length), {
      method: "PUT",
      body: bytes,
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ ok: true, digest, size: bytes.length });
    expect(await server.services.deps.blobs.has(digest)).toBe(true);
    expect(await ownersOf(server.services, digest)).toEqual([adminId]);

    const get = await fetch(byteUrl(server.baseUrl, server.services, { digest, op: "get" }));
    expect(get.status).toBe(200);
    expect(get.headers.get("content-length")).toBe(String(bytes.length));
    expect(Buffer.from(await get.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("serves byte ranges with 206, suffix ranges, and 416 past the end", async () => {
    const { bytes, digest } = makeBlob(10_000);
    await server.services.deps.blobs.put(digest, bytes);
    const url = byteUrl(server.baseUrl, server.services, { digest, op: "get" });

    const middle = await fetch(url, { headers: { range: "bytes=100-1099" } });
    expect(middle.status).toBe(206);
    expect(middle.headers.get("content-range")).toBe(`bytes 100-1099/${bytes.length}`);
    expect(Buffer.from(await middle.arrayBuffer()).equals(bytes.subarray(100, 1100))).toBe(true);

    const tail = await fetch(url, { headers: { range: "bytes=-16" } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 16))).toBe(
      true,
    );

    const open = await fetch(url, { headers: { range: "bytes=9990-" } });
    expect(open.status).toBe(206);
    expect((await open.arrayBuffer()).byteLength).toBe(10);

    const past = await fetch(url, { headers: { range: "bytes=20000-" } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${bytes.length}`);
    expect(((await past.json()) as { error: { code: string } }).error.code).toBe(
      "RANGE_NOT_SATISFIABLE",
    );
  });

  it("refuses bytes that do not hash to the digest with 422 and stores nothing", async () => {
    const { bytes, digest } = makeBlob(5_000);
    const wrong = Buffer.from(bytes);
    wrong[0] = (wrong[0] ?? 0) ^ 0xff;
    const res = await fetch(putUrl(digest, bytes.length), {
      method: "PUT",
      body: wrong,
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("DIGEST_MISMATCH");
    expect(body.error.message).toContain(digest);
    expect(await server.services.deps.blobs.has(digest)).toBe(false);
    expect(await ownersOf(server.services, digest)).toEqual([]);
  });

  it("answers 413 for a body larger than the upload URL allows, declared or streamed", async () => {
    const { bytes, digest } = makeBlob(4_000);
    const url = putUrl(digest, 1_000);
    const declared = await fetch(url, { method: "PUT", body: bytes });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe(
      "PAYLOAD_TOO_LARGE",
    );

    // Chunked: no Content-Length, so the limit is enforced while streaming.
    const upload = openUpload(url);
    upload.write(bytes.subarray(0, 800));
    upload.write(bytes.subarray(800, 1600));
    upload.end();
    const streamed = await upload.response;
    expect(streamed.status).toBe(413);
    expect(await server.services.deps.blobs.has(digest)).toBe(false);
  });

  it("refuses missing, forged and expired tokens and tokens for another blob or operation", async () => {
    const { bytes, digest } = makeBlob(100);
    const put = (url: string) => fetch(url, { method: "PUT", body: bytes });
    const base = `${server.baseUrl}/blobs/${digest}`;

    expect((await put(base)).status).toBe(401);
    const good = new URL(putUrl(digest, 100));
    const forged = `${good.searchParams.get("t")?.split(".")[0]}.${"A".repeat(43)}`;
    expect((await put(`${base}?t=${forged}`)).status).toBe(401);

    const expired = await put(putUrl(digest, 100, { expiresInSec: -10 }));
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toMatch(
      /expired/,
    );

    expect(
      (await put(byteUrl(server.baseUrl, server.services, { digest, op: "get" }))).status,
    ).toBe(403);
    const other = makeBlob(100);
    const otherToken = new URL(putUrl(other.digest, 100)).searchParams.get("t") ?? "";
    expect((await put(`${base}?t=${encodeURIComponent(otherToken)}`)).status).toBe(403);
    expect(await server.services.deps.blobs.has(digest)).toBe(false);
  });

  it("answers JSON errors for unknown routes, bad digests, wrong methods and missing blobs", async () => {
    const unknown = await fetch(`${server.baseUrl}/nope`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");

    expect((await fetch(`${server.baseUrl}/blobs/%zz?t=x`)).status).toBe(400);
    const badDigest = await fetch(`${server.baseUrl}/blobs/not-a-digest?t=x`);
    expect(badDigest.status).toBe(400);
    expect(((await badDigest.json()) as { error: { code: string } }).error.code).toBe(
      "INVALID_DIGEST",
    );

    const { digest } = makeBlob(10);
    const del = await fetch(`${server.baseUrl}/blobs/${digest}`, { method: "DELETE" });
    expect(del.status).toBe(405);
    expect(del.headers.get("allow")).toBe("PUT, GET, HEAD");

    const missing = await fetch(byteUrl(server.baseUrl, server.services, { digest, op: "get" }));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });
}
