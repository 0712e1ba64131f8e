import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer } from "@cairn/api/testing";
import { Artifact, Cairn } from "@cairn/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportFigure } from "./figures.js";

/**
 * Where the test server's directory store keeps `digest`: `startTestServer` puts the store in a
 * fresh `cairn-test-blobs-*` temp dir, sharded as `ab/cd/<digest>`; the digest is random content,
 * so exactly one such file exists.
 */
async function blobFile(digest: string): Promise<string> {
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith("cairn-test-blobs-")) continue;
    const path = join(tmpdir(), name, digest.slice(0, 2), digest.slice(2, 4), digest);
    if (await stat(path).catch(() => null)) return path;
  }
  throw new Error(`blob ${digest} not found under ${tmpdir()}/cairn-test-blobs-*`);
}

describe("faults: blobs corrupted on disk", () => {
  let server: TestServer;
  let dir: string;
  let clients = 0;
  const newCairn = () =>
    new Cairn({
      baseUrl: server.baseUrl,
      apiKey: server.adminKey,
      entity: server.adminName,
      project: "default",
      env: {},
      configPath: join(dir, "none.json"),
      cacheDir: join(dir, `cache-${clients++}`),
      retry: { attempts: 2, baseMs: 10, maxMs: 50 },
    });
  beforeAll(async () => {
    server = await startTestServer({ db: "pglite", blobs: "fs" });
    dir = await mkdtemp(join(tmpdir(), "cairn-faults-corrupt-"));
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const damages: Array<[string, (bytes: Buffer) => Buffer]> = [
    ["one flipped byte", (b) => Buffer.from(b.map((x, i) => (i === 100 ? x ^ 0xff : x)))],
    ["truncated", (b) => b.subarray(0, b.length - 1)],
    ["replaced by other bytes of the same size", (b) => randomBytes(b.length)],
  ];

  it.each(damages)(
    "%s: the download fails with a digest error naming the file",
    async (label, damage) => {
      const writer = newCairn();
      const src = join(dir, `src-${clients}`);
      await mkdir(join(src, "sub"), { recursive: true });
      await writeFile(join(src, "sub", "victim.bin"), randomBytes(4096));
      await writeFile(join(src, "intact.bin"), randomBytes(4096));
      const run = await writer.init({ jobType: "corrupt" });
      const artifact = new Artifact({ name: `corrupt-${clients}`, type: "dataset" });
      artifact.addDir(src);
      const { artifact: logged } = await run.logArtifact(artifact).result();
      await writer.close();

      const victim = logged.manifest.entries.find((e) => e.path === "sub/victim.bin");
      expect(victim).toBeDefined();
      const path = await blobFile(victim?.digest as string);
      await writeFile(path, damage(await readFile(path)));

      // A fresh client: nothing cached, the bytes must come from the damaged store.
      const reader = newCairn();
      const used = await reader.api().artifact(`${logged.name}:${logged.version}`);
      const target = join(dir, `dl-${clients}`);
      const failure = await used.download({ root: target }).then(
        () => null,
        (error: unknown) => error,
      );
      await reader.close();
      expect(failure, "the download of a corrupted blob succeeded").toBeInstanceOf(Error);
      const message = (failure as Error).message;
      reportFigure(`corrupt-blob-${label.replaceAll(" ", "-")}`, {
        detected: failure instanceof Error,
        namesFile: message.includes("sub/victim.bin"),
      });
      expect(message).toContain("sub/victim.bin");
      expect(message).toMatch(/digest|sha-?256|checksum|corrupt/i);
      // The damaged file never lands under its name in the download folder.
      const landed = await readFile(join(target, "sub", "victim.bin")).catch(() => null);
      expect(landed).toBeNull();
    },
  );
});
