import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
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

await describeWithServices(["postgres", "redis"], "cairn worker (PostgreSQL + Redis)", () => {
  const schema = `cairn_cli_worker_${randomBytes(4).toString("hex")}`;
  const prefix = `cairn-cli-worker-${randomBytes(4).toString("hex")}`;
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), "cairn-cli-worker-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    const db = new URL(serviceUrl("postgres"));
    spawnSync("psql", [
      "-h",
      db.hostname,
      "-p",
      db.port || "5432",
      "-U",
      db.username || "postgres",
      "-d",
      db.pathname.slice(1) || "test",
      "-c",
      `drop schema if exists "${schema}" cascade`,
    ]);
    const redis = new URL(serviceUrl("redis"));
    const keys = spawnSync("redis-cli", [
      "-h",
      redis.hostname,
      "-p",
      redis.port || "6379",
      "--scan",
      "--pattern",
      `${prefix}*`,
    ]);
    const list = String(keys.stdout).split("\n").filter(Boolean);
    if (list.length > 0)
      spawnSync("redis-cli", ["-h", redis.hostname, "-p", redis.port || "6379", "del", ...list]);
  });

  it("migrates, reports ready, and exits 0 on SIGINT", async () => {
    const bin = join(import.meta.dirname, "..", "dist", "bin.js");
    const child = spawn(process.execPath, [bin, "worker"], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        DATABASE_URL: serviceUrl("postgres"),
        CAIRN_DATABASE_SCHEMA: schema,
        REDIS_URL: serviceUrl("redis"),
        CAIRN_QUEUE_PREFIX: prefix,
        CAIRN_NO_SCHEDULES: "true",
        CAIRN_LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const ready = new Promise<void>((resolve) => {
      const onData = (d: Buffer) => {
        output += String(d);
        if (output.includes("cairn worker ready")) resolve();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    const outcome = await Promise.race([
      ready.then(() => "ready"),
      exited.then((code) => `exited ${code}`),
      new Promise((r) => setTimeout(() => r("timeout"), 60_000)),
    ]);
    expect(outcome, output).toBe("ready");
    child.kill("SIGINT");
    expect(await exited, output).toBe(0);
  }, 90_000);
});
