import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileSliceBody, readFileSlice } from "./file-body.js";
import { partRetryOptions } from "./upload.js";

describe("file slices as upload bodies", () => {
  let dir: string;
  let server: Server;
  let url: string;
  const received: Array<{ length: string | undefined; chunked: boolean; sha: string; n: number }> =
    [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cairn-file-body-"));
    server = createServer((req, res) => {
      const hash = createHash("sha256");
      let n = 0;
      req.on("data", (chunk: Buffer) => {
        hash.update(chunk);
        n += chunk.length;
      });
      req.on("error", () => {});
      req.on("end", () => {
        received.push({
          length: req.headers["content-length"],
          chunked: req.headers["transfer-encoding"] === "chunked",
          sha: hash.digest("hex"),
          n,
        });
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("streams a slice with its exact Content-Length (never chunked), a fresh body per call", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const path = join(dir, "a.bin");
    await writeFile(path, bytes);
    const start = 1024 * 1024 - 3;
    const length = 2 * 1024 * 1024 + 5;
    const expected = createHash("sha256")
      .update(bytes.subarray(start, start + length))
      .digest("hex");
    for (let attempt = 0; attempt < 2; attempt++) {
      const slice = fileSliceBody(path, start, length);
      const response = await fetch(url, { method: "PUT", ...slice.init } as RequestInit);
      expect(response.status).toBe(200);
      expect(slice.failure()).toBeUndefined();
    }
    expect(received.slice(-2)).toEqual([
      { length: String(length), chunked: false, sha: expected, n: length },
      { length: String(length), chunked: false, sha: expected, n: length },
    ]);
    expect(
      Buffer.from(await readFileSlice(path, start, length)).equals(
        bytes.subarray(start, start + length),
      ),
    ).toBe(true);
  });

  it("names a file that shrank since it was hashed instead of sending a short body", async () => {
    const path = join(dir, "b.bin");
    await writeFile(path, randomBytes(2 * 1024 * 1024));
    await truncate(path, 1024 * 1024 + 10);
    const slice = fileSliceBody(path, 0, 2 * 1024 * 1024);
    const failed = await fetch(url, { method: "PUT", ...slice.init } as RequestInit).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(Error);
    expect(slice.failure()).toMatchObject({ name: "CairnError", code: "CONFLICT" });
    expect(slice.failure()?.message).toContain(path);
    await expect(readFileSlice(path, 0, 2 * 1024 * 1024)).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("gives multipart parts a retry budget that outlasts a server restart", () => {
    const budget = (options: { attempts?: number; baseMs?: number; maxMs?: number }) => {
      let total = 0;
      for (let retry = 0; retry < (options.attempts ?? 4) - 1; retry++) {
        total += Math.min(options.maxMs ?? 5_000, (options.baseMs ?? 200) * 2 ** retry);
      }
      return total;
    };
    // Before jitter (±25 %): the defaults, and the short budget a test or CLI may configure.
    expect(budget({})).toBeLessThan(2_000);
    expect(budget(partRetryOptions({}))).toBeGreaterThan(30_000);
    expect(budget(partRetryOptions({ attempts: 2, baseMs: 10, maxMs: 50 }))).toBeGreaterThan(
      30_000,
    );
    expect(partRetryOptions({ attempts: 20, baseMs: 300, maxMs: 10_000 })).toEqual({
      attempts: 20,
      baseMs: 300,
      maxMs: 10_000,
    });
  });
});
