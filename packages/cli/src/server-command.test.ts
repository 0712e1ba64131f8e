import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./cli.test-helpers.js";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("cairn server (embedded mode)", () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), "cairn-cli-server-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves on the embedded defaults until SIGINT, then exits 0", async () => {
    const port = await freePort();
    const bin = join(import.meta.dirname, "..", "dist", "bin.js");
    const child = spawn(process.execPath, [bin, "server"], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, CAIRN_PORT: String(port), CAIRN_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += String(d)));
    child.stderr.on("data", (d) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    const url = `http://127.0.0.1:${port}`;
    let ping: unknown;
    for (let i = 0; i < 120 && ping === undefined; i++) {
      ping = await fetch(`${url}/trpc/health.ping`)
        .then((r) => (r.ok ? r.json() : undefined))
        .catch(() => undefined);
      if (ping === undefined) await new Promise((r) => setTimeout(r, 250));
    }
    expect(ping, output).toMatchObject({ result: { data: { ok: true } } });
    // The first start creates the admin and prints its key once.
    expect(output).toMatch(/cairn_[A-Za-z0-9]+_/);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  }, 90_000);
});
