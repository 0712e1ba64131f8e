import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isCairnError } from "@cairn/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireDirectoryLock, createDatabase, LOCK_FILE_NAME } from "./index.js";

const temp = mkdtempSync(join(tmpdir(), "cairn-db-lock-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => {
  const dir = join(temp, `d${counter++}`);
  mkdirSync(dir);
  return dir;
};

/** A pid that is certainly dead: a child that already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

/**
 * The real lock module (and core's real CairnError) compiled to plain ESM for a child `node`
 * process: Node 20 cannot import the `.ts` sources directly.
 */
function buildChildModule(): string {
  const require = createRequire(import.meta.url);
  const ts = require("typescript") as typeof import("typescript");
  const out = join(temp, "child");
  mkdirSync(out, { recursive: true });
  const compile = (file: string) =>
    ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
  const errors = fileURLToPath(import.meta.resolve("@cairn/core")).replace(
    /index\.ts$/,
    "errors.ts",
  );
  writeFileSync(join(out, "errors.mjs"), compile(errors));
  const lock = compile(fileURLToPath(new URL("./dir-lock.ts", import.meta.url)));
  writeFileSync(
    join(out, "dir-lock.mjs"),
    lock.replace(/from "@cairn\/core"/, 'from "./errors.mjs"'),
  );
  return join(out, "dir-lock.mjs");
}

/** Runs `node` with a script that tries the lock; resolves with what it printed. */
function runChild(
  modulePath: string,
  dir: string,
  holdMs = 0,
): Promise<{ ok: boolean; code?: string; message?: string; pid: number }> {
  const script = `
    const { acquireDirectoryLock } = await import(${JSON.stringify(modulePath)});
    try {
      const lock = acquireDirectoryLock(${JSON.stringify(dir)});
      console.log(JSON.stringify({ ok: true, pid: process.pid }));
      setTimeout(() => lock.release(), ${holdMs});
    } catch (error) {
      console.log(JSON.stringify({ ok: false, code: error.code, message: error.message, pid: process.pid }));
    }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script]);
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0] ?? ""));
    });
    child.stderr.on("data", (chunk: Buffer) => reject(new Error(chunk.toString())));
    child.on("exit", () => {
      if (!out.includes("\n")) reject(new Error(`child printed nothing: ${out}`));
    });
  });
}

describe("directory lock", () => {
  let childModule: string;
  beforeAll(() => {
    childModule = buildChildModule();
  });

  it("refuses a second opener in this process, naming the directory, the pid and the fixes", () => {
    const dir = freshDir();
    const lock = acquireDirectoryLock(dir);
    const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), "utf8"));
    expect(owner.pid).toBe(process.pid);
    expect(() => acquireDirectoryLock(dir)).toThrow(/CAIRN_DATA_DIR/);
    try {
      acquireDirectoryLock(dir);
    } catch (error) {
      expect(isCairnError(error, "UNAVAILABLE")).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain(dir);
      expect(message).toContain(String(process.pid));
      expect(message).toContain("DATABASE_URL");
    }
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
    acquireDirectoryLock(dir).release();
  });

  it("refuses another process while held, and lets it in once released", async () => {
    const dir = freshDir();
    const lock = acquireDirectoryLock(dir);
    const refused = await runChild(childModule, dir);
    expect(refused.ok).toBe(false);
    expect(refused.code).toBe("UNAVAILABLE");
    expect(refused.message).toContain(`process ${process.pid}`);
    expect(refused.message).toContain(dir);
    lock.release();
    const admitted = await runChild(childModule, dir);
    expect(admitted.ok).toBe(true);
  });

  it("is refused here while a child process holds it", async () => {
    const dir = freshDir();
    const child = await runChild(childModule, dir, 3000);
    expect(child.ok).toBe(true);
    const error = (() => {
      try {
        acquireDirectoryLock(dir).release();
      } catch (e) {
        return e;
      }
    })();
    expect(isCairnError(error, "UNAVAILABLE")).toBe(true);
    expect((error as Error).message).toContain(`process ${child.pid}`);
  });

  it("takes over a stale lock whose pid is dead, and an unreadable one", () => {
    const dir = freshDir();
    const path = join(dir, LOCK_FILE_NAME);
    const pid = deadPid();
    writeFileSync(
      path,
      JSON.stringify({ pid, hostname: hostname(), startedAt: "2020-01-01T00:00:00.000Z" }),
    );
    const lock = acquireDirectoryLock(dir);
    expect(JSON.parse(readFileSync(path, "utf8")).pid).toBe(process.pid);
    lock.release();
    writeFileSync(path, "{half-writ");
    const again = acquireDirectoryLock(dir);
    expect(JSON.parse(readFileSync(path, "utf8")).pid).toBe(process.pid);
    again.release();
  });

  it("treats a lock from another host as held (its pid cannot be checked)", () => {
    const dir = freshDir();
    writeFileSync(
      join(dir, LOCK_FILE_NAME),
      JSON.stringify({ pid: deadPid(), hostname: "elsewhere", startedAt: "x" }),
    );
    expect(() => acquireDirectoryLock(dir)).toThrow(/elsewhere/);
  });

  it("release never deletes a lock that another holder has since written", () => {
    const dir = freshDir();
    const path = join(dir, LOCK_FILE_NAME);
    const lock = acquireDirectoryLock(dir);
    const other = JSON.stringify({ pid: 1, hostname: hostname(), startedAt: "later" });
    writeFileSync(path, other);
    lock.release();
    expect(readFileSync(path, "utf8")).toBe(other);
  });
});

describe("createDatabase on a PGlite directory", () => {
  it("locks the directory, refuses a second createDatabase, persists data, and frees the lock on close", async () => {
    const dir = join(freshDir(), "nested", "store");
    const first = await createDatabase({ dataDir: dir });
    try {
      expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(true);
      const error = await createDatabase({ dataDir: dir }).catch((e: unknown) => e);
      expect(isCairnError(error, "UNAVAILABLE")).toBe(true);
      expect((error as Error).message).toContain(dir);
      await first.db.schema.createTable("kept").addColumn("v", "text").execute();
      await first.db
        .insertInto("kept" as never)
        .values({ v: "survives" } as never)
        .execute();
    } finally {
      await first.close();
    }
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
    const second = await createDatabase({ dataDir: dir });
    try {
      const rows = await second.db
        .selectFrom("kept" as never)
        .selectAll()
        .execute();
      expect(rows).toEqual([{ v: "survives" }]);
    } finally {
      await second.close();
    }
    // initdb on disk takes 2–20 s on a busy machine, then two more starts.
  }, 120_000);
});
