import { expect, it } from "vitest";
import {
  clientFor,
  expectRefused,
  type Harness,
  newUser,
  rawRequest,
  uniqueName,
} from "./http.test-helpers.js";

/** A response body in the tRPC error shape or the byte routes' `{ error: { code, message } }`. */
function messageOf(body: unknown): string {
  const b = body as { error?: { message?: string; json?: { message?: string } } } | undefined;
  return b?.error?.message ?? b?.error?.json?.message ?? "";
}

/** Bad input of every kind is a 4xx with a message that helps — never a 5xx. */
export function registerRefusalTests(current: () => Harness): void {
  it("refuses path traversal, bad names, reserved aliases and oversized inputs with 400", async () => {
    const harness = current();
    const owner = await newUser(harness, clientFor(harness, harness.server.adminKey), "bad");
    const c = owner.client.api;
    const P = { entity: owner.name, project: uniqueName("p") };
    await c.projects.create.mutate({ entity: P.entity, name: P.project });
    const entry = (path: string) => ({ path, digest: "d", size: 1, ref: "s3://b/k" });
    const log = (name: string, path = "ok.txt") =>
      c.artifacts.log.mutate({ ...P, name, type: "t", entries: [entry(path)] });

    for (const path of ["../x", "/abs", "a//b", "a/../../b"]) {
      const error = await expectRefused(log("paths", path), 400, "INVALID_PATH");
      expect(error.message).toContain(path);
    }
    await expectRefused(log("bad/name"), 400, "INVALID_NAME");
    // Over the router's size bound: refused by zod before any work, still a 400 with a message.
    const tooLong = await expectRefused(log("n".repeat(200)), 400);
    expect(tooLong.data?.zodError).not.toBeNull();
    await expectRefused(
      c.projects.create.mutate({ entity: P.entity, name: "Has Spaces" }),
      400,
      "INVALID_PROJECT",
    );

    await log("good");
    await expectRefused(
      c.artifacts.setAlias.mutate({ ...P, ref: "good:v0", alias: "v3" }),
      400,
      "RESERVED_ALIAS",
    );
    await expectRefused(
      c.artifacts.setAlias.mutate({ ...P, ref: "good:v0", alias: "a".repeat(64) }),
      400,
      "RESERVED_ALIAS",
    );
    await expectRefused(
      c.artifacts.log.mutate({ ...P, name: "good", type: "t", aliases: ["v9"], entries: [] }),
      400,
      "RESERVED_ALIAS",
    );
    await expectRefused(c.artifacts.get.query({ ...P, ref: "good:v0:extra:bits" }), 400);

    const tooMany = Array.from({ length: 10_001 }, (_, i) => entry(`f${i}`));
    const many = await expectRefused(
      c.artifacts.log.mutate({ ...P, name: "big", type: "t", entries: tooMany }),
      400,
    );
    expect(many.message).toContain("upsert");
    await expectRefused(c.artifacts.manifest.query({ ...P, ref: "good:v0", limit: 10_001 }), 400);
    await expectRefused(c.artifacts.draftStatus.query({ draftId: "x", waitMs: 60_000 }), 400);
    await expectRefused(
      c.artifacts.update.mutate({ ...P, ref: "good:v0", description: "x".repeat(20_000) }),
      400,
    );
  });

  it("answers a malformed JSON body or ?input= with 400", async () => {
    const { server } = current();
    for (const body of ['{"entity": "admin", "name": ', "{bad"]) {
      const malformed = await rawRequest(server, "/trpc/projects.create", {
        method: "POST",
        headers: { authorization: `Bearer ${server.adminKey}`, "content-type": "application/json" },
        body,
      });
      expect(malformed.status).toBe(400);
      expect(messageOf(malformed.body)).not.toBe("");
    }
    const badQuery = await rawRequest(
      server,
      `/trpc/projects.get?input=${encodeURIComponent("{oops")}`,
    );
    expect(badQuery.status).toBe(400);
  });

  it("answers malformed requests and byte-route abuse with 4xx JSON, never 5xx", async () => {
    const { server } = current();
    const auth = { authorization: `Bearer ${server.adminKey}`, "content-type": "application/json" };

    const wrongShape = await rawRequest(server, "/trpc/projects.create", {
      method: "POST",
      headers: auth,
      body: JSON.stringify([1, 2, 3]),
    });
    expect(wrongShape.status).toBe(400);

    const unknown = await rawRequest(server, "/trpc/nothing.here", {
      method: "POST",
      headers: auth,
    });
    expect(unknown.status).toBe(404);

    const badKey = await rawRequest(server, "/trpc/accounts.whoami", {
      headers: { authorization: "Bearer cairn_nope_nope" },
    });
    expect(badKey.status).toBe(401);
    expect(messageOf(badKey.body)).not.toBe("");

    const digest = "a".repeat(64);
    const checks: Array<[string, RequestInit, number]> = [
      [`/blobs/${digest}?t=forged.token`, { method: "PUT", body: "x" }, 401],
      [`/blobs/${digest}`, { method: "GET" }, 401],
      ["/blobs/not-a-digest?t=x", { method: "GET" }, 400],
      ["/blobs/..%2F..%2Fetc%2Fpasswd?t=x", { method: "GET" }, 400],
      [`/blobs/${digest}?t=x`, { method: "DELETE" }, 405],
    ];
    for (const [path, init, status] of checks) {
      const answer = await rawRequest(server, path, init);
      expect(answer.status, `${init.method} ${path}`).toBe(status);
      expect(messageOf(answer.body), `${init.method} ${path}`).not.toBe("");
    }
  });
}
