import { mkdtemp, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCairnError } from "@cairn/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReferenceResolvers } from "../internal.js";

describe("http(s) references", () => {
  const files = new Map<string, { body: string; etag?: string }>();
  let server: Server;
  let base: string;
  let heads = 0;
  const resolvers = createReferenceResolvers();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const file = files.get(new URL(req.url ?? "/", "http://x").pathname);
      if (req.method === "HEAD") heads++;
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      const headers: Record<string, string | number> = {
        "content-length": Buffer.byteLength(file.body),
      };
      if (file.etag) headers.etag = file.etag;
      res.writeHead(200, headers);
      res.end(req.method === "HEAD" ? undefined : file.body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("records the ETag (unquoted) as digest and Content-Length as size, named by the last segment", async () => {
    files.set("/data/train.csv", { body: "a,b\n1,2\n", etag: '"abc123"' });
    const entries = await resolvers.resolve(`${base}/data/train.csv`);
    expect(entries).toEqual([
      {
        path: "train.csv",
        digest: "abc123",
        size: 8,
        ref: `${base}/data/train.csv`,
        extra: { etag: "abc123" },
      },
    ]);
    const named = await resolvers.resolve(`${base}/data/train.csv`, { name: "raw/t.csv" });
    expect(named[0]!.path).toBe("raw/t.csv");
  });

  it("uses the URL as digest when the server sends no ETag; weak ETags are unwrapped", async () => {
    files.set("/plain.txt", { body: "xyz" });
    files.set("/weak.txt", { body: "xyz", etag: 'W/"w1"' });
    expect((await resolvers.resolve(`${base}/plain.txt`))[0]).toEqual({
      path: "plain.txt",
      digest: `${base}/plain.txt`,
      size: 3,
      ref: `${base}/plain.txt`,
    });
    expect((await resolvers.resolve(`${base}/weak.txt`))[0]!.digest).toBe("w1");
  });

  it("checksum: false makes no request and keeps only the URI", async () => {
    const before = heads;
    const entries = await resolvers.resolve(`${base}/never-requested.bin`, { checksum: false });
    expect(entries).toEqual([
      {
        path: "never-requested.bin",
        digest: `${base}/never-requested.bin`,
        size: null,
        ref: `${base}/never-requested.bin`,
      },
    ]);
    expect(heads).toBe(before);
  });

  it("fails clearly on 404", async () => {
    await expect(resolvers.resolve(`${base}/missing`)).rejects.toSatisfy(
      (e) => isCairnError(e, "NOT_FOUND") && /HTTP 404/.test((e as Error).message),
    );
  });

  it("downloads while the ETag matches, verifies, and refuses drift", async () => {
    files.set("/model.bin", { body: "weights-v1", etag: '"v1"' });
    const [entry] = await resolvers.resolve(`${base}/model.bin`);
    const dir = await mkdtemp(join(tmpdir(), "cairn-http-"));
    await resolvers.download(entry!, join(dir, "m", "model.bin"));
    expect(await readFile(join(dir, "m", "model.bin"), "utf8")).toBe("weights-v1");
    expect(await resolvers.verifyReference(entry!)).toEqual({ ok: true });

    files.set("/model.bin", { body: "weights-v2", etag: '"v2"' });
    const verdict = await resolvers.verifyReference(entry!);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.drifted).toMatch(/ETag changed from "v1" to "v2"/);
    await expect(resolvers.download(entry!, join(dir, "again.bin"))).rejects.toSatisfy((e) =>
      isCairnError(e, "DIGEST_MISMATCH"),
    );
    await expect(readFile(join(dir, "again.bin"))).rejects.toThrow();

    files.delete("/model.bin");
    expect((await resolvers.verifyReference(entry!)).ok).toBe(false);
  });

  it("refuses to verify or download a stored-file entry", async () => {
    await expect(resolvers.verifyReference({ path: "a", digest: "d", size: 1 })).rejects.toSatisfy(
      (e) => isCairnError(e, "INVALID_INPUT"),
    );
  });
});
