import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readServerEnv, startServer } from "@cairn/server";
import { afterAll, describe, expect, it } from "vitest";
import { secret, sha256, startWorld } from "./harness.js";

/** A tiny tmpfs (root only): a real "No space left on device" for the directory store. */
function mountTiny(dir: string, size: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir], {
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}

const canMount = await (async () => {
  const probe = await mkdtemp(join(tmpdir(), "cairn-mount-probe-"));
  const ok = mountTiny(probe, "64k");
  if (ok) execFileSync("umount", [probe]);
  await rm(probe, { recursive: true, force: true });
  return ok;
})();

describe("security: the server's host (disk, temporaries, modes)", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanups.reverse()) await step().catch(() => {});
  });

  it.skipIf(!canMount)(
    "finding 10: a full disk answers 507 naming the store and a request id, never internal text",
    async () => {
      const root = await mkdtemp(join(tmpdir(), "cairn-full-"));
      mountTiny(root, "256k");
      cleanups.push(async () => {
        execFileSync("umount", ["-l", root]);
        await rm(root, { recursive: true, force: true });
      });
      const w = await startWorld({ db: "pglite", blobRoot: root });
      cleanups.push(() => w.close());
      const bytes = secret(1024 * 1024);
      const digest = sha256(bytes);
      const answer = await w.ok(w.bob, "blobs.missing", {
        entity: w.bob.name,
        project: "mine",
        blobs: [{ digest, size: bytes.length }],
      });
      const put = await fetch(answer.missing[0].upload.url, { method: "PUT", body: bytes });
      const text = await put.text();
      expect(put.status).toBe(507);
      const body = JSON.parse(text) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("STORAGE_FULL");
      expect(body.error.message).toContain("blob store is full");
      const requestId = put.headers.get("x-request-id");
      expect(requestId).toBeTruthy();
      expect(body.error.message).toContain(`request id ${requestId}`);
      expect(text).not.toMatch(/ENOSPC|no space left|\/tmp\/|cairn-full/i);
      // Nothing half-written stays behind.
      expect((await readdir(join(root, "tmp"))).filter((n) => n !== "multipart")).toEqual([]);
    },
  );

  it("finding 11 and 12: stale temporaries are swept at start-up and by GC; a blob dir outside the data dir is 0700", async () => {
    const base = await mkdtemp(join(tmpdir(), "cairn-host-"));
    cleanups.push(() => rm(base, { recursive: true, force: true }));
    const blobDir = join(base, "elsewhere", "blobs");
    const tmp = join(blobDir, "tmp");
    await mkdir(join(tmp, "multipart", "0b9a3c1e-dead-4000-8000-000000000000"), {
      recursive: true,
    });
    const old = new Date(Date.now() - 3 * 3600 * 1000);
    const stale = ["a3f1c2d4-killed-1", "a3f1c2d4-killed-2"];
    for (const name of stale) {
      await writeFile(join(tmp, name), "half a blob");
      await utimes(join(tmp, name), old, old);
    }
    await utimes(join(tmp, "multipart", "0b9a3c1e-dead-4000-8000-000000000000"), old, old);
    await writeFile(join(tmp, "live-write"), "being written now");

    const env = readServerEnv({
      CAIRN_DATA_DIR: join(base, "data"),
      CAIRN_BLOB_DIR: blobDir,
      CAIRN_PORT: "0",
      CAIRN_LOG_LEVEL: "silent",
    });
    const { Writable } = await import("node:stream");
    const server = await startServer(env, {
      out: new Writable({ write: (_c, _e, done) => done() }),
    });
    cleanups.push(() => server.stop());
    expect((await readdir(tmp)).sort()).toEqual(["live-write", "multipart"]);
    expect(await readdir(join(tmp, "multipart"))).toEqual([]);
    expect((await stat(blobDir)).mode & 0o777).toBe(0o700);

    // A later crash leaves another temporary: GC sweeps it once it is old enough.
    await writeFile(join(tmp, "killed-3"), "x");
    await utimes(join(tmp, "killed-3"), old, old);
    const swept = await server.services.retention.collectGarbage({ graceMs: 3600_000 });
    expect(swept.temporariesRemoved).toBe(1);
    expect(await readdir(tmp)).not.toContain("killed-3");
  });
});
