import { spawn } from "node:child_process";
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildProgram } from "@cairn/cli";
import { Artifact, Cairn } from "@cairn/client";
import { isCairnError } from "@cairn/core";
import { serverEnvSchema, startServer } from "@cairn/server";
import { describe, expect, it } from "vitest";
import { ROOT } from "./doc-blocks.js";

const CLI = join(ROOT, "packages", "cli", "dist", "bin.js");

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Markdown docs and non-test sources: everywhere a user reads a `cairn …` command. */
function filesNamingCommands(): string[] {
  const out: string[] = ["README.md"];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const rel = join(dir, name);
      if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
      if (statSync(join(ROOT, rel)).isDirectory()) walk(rel);
      else if (/\.(md|tsx?)$/.test(name) && !/\.test(-helpers)?\.tsx?$/.test(name)) out.push(rel);
    }
  };
  for (const top of ["docs", "packages", "apps"]) walk(top);
  return out;
}

describe("a newcomer's first hour", () => {
  it("5. every `cairn …` command named in a message or a doc exists and answers --help", async () => {
    const program = buildProgram({
      streams: { stdout: process.stdout, stderr: process.stderr },
      env: {},
      result: { exitCode: 0 },
    } as never);
    const commands = new Map(program.commands.map((c) => [c.name(), c]));
    const named = new Map<string, string>();
    for (const file of filesNamingCommands()) {
      const text = readFileSync(join(ROOT, file), "utf8");
      for (const m of text.matchAll(
        /(?:`|\$ |^\s*|\(|run |with )cairn ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/gm,
      )) {
        const [, first, second] = m as unknown as [string, string, string | undefined];
        const sub = commands.get(first)?.commands.map((c) => c.name()) ?? [];
        const path = sub.length > 0 && second !== undefined ? `${first} ${second}` : first;
        if (!named.has(path)) named.set(path, file);
      }
    }
    expect(named.size).toBeGreaterThan(20);
    for (const must of ["users create", "users ls", "users disable", "teams create", "teams add"]) {
      expect(named.has(must), `no doc or message names cairn ${must}`).toBe(true);
    }
    for (const [path, file] of named) {
      const ran = await run(process.execPath, [CLI, ...path.split(" "), "--help"]);
      expect(ran.code, `cairn ${path} (named in ${file}) → ${ran.stderr}`).toBe(0);
      expect(ran.stdout, `cairn ${path} (named in ${file})`).toMatch(
        new RegExp(`^Usage: cairn ${path} `),
      );
    }
  });

  it("6. runtime variables (port, data dir, database, Redis) do not change turbo's build hashes", async () => {
    const args = [
      join(ROOT, "node_modules", "turbo", "bin", "turbo"),
      "run",
      "build",
      "--filter=@cairn/server...",
      "--filter=@cairn/web",
      "--dry=json",
    ];
    const hashes = async (env: Record<string, string>) => {
      const ran = await run(process.execPath, args, env);
      expect(ran.code, ran.stderr).toBe(0);
      const dry = JSON.parse(ran.stdout) as { tasks: Array<{ taskId: string; hash: string }> };
      return Object.fromEntries(dry.tasks.map((t) => [t.taskId, t.hash]));
    };
    const a = await hashes({ CAIRN_PORT: "8787", CAIRN_DATA_DIR: ".cairn" });
    const b = await hashes({
      CAIRN_PORT: "9911",
      CAIRN_DATA_DIR: "/tmp/elsewhere",
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/other",
      REDIS_URL: "redis://127.0.0.1:6379/3",
      CAIRN_TTL_EXPIRY_INTERVAL: "5s",
    });
    expect(Object.keys(a)).toContain("@cairn/server#build");
    expect(b).toEqual(a);
  });

  it("7. every published package says which Node it needs, and no less than its AWS SDK asks for", () => {
    // pnpm installs @aws-sdk/core beside the client-s3 the client depends on.
    const s3 = realpathSync(join(ROOT, "packages/client/node_modules/@aws-sdk/client-s3"));
    const sdkNotice = readFileSync(
      join(s3, "..", "core", "dist-cjs", "submodules", "client", "index.js"),
      "utf8",
    );
    // The SDK's own statement of the Node major its coming releases require.
    const required = Number(/const vv = (\d+);/.exec(sdkNotice)?.[1] ?? "0");
    expect(required).toBeGreaterThanOrEqual(20);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const promised = Number(/with Node ≥ (\d+)/.exec(readme)?.[1] ?? "0");
    for (const dir of readdirSync(join(ROOT, "packages"))) {
      const pkg = JSON.parse(readFileSync(join(ROOT, "packages", dir, "package.json"), "utf8"));
      if (pkg.private) continue;
      const engine: string | undefined = pkg.engines?.node;
      expect(engine, `${pkg.name} has no engines.node`).toMatch(/^>=\d+/);
      const min = Number(/^>=(\d+)/.exec(engine ?? "")?.[1]);
      const deps = JSON.stringify({ ...pkg.dependencies });
      // Packages that load the AWS SDK (directly or through the client) promise what it needs.
      if (/@aws-sdk\/|@cairn\/client/.test(deps)) {
        expect(min, `${pkg.name} engines vs the AWS SDK's Node ${required}`).toBeGreaterThanOrEqual(
          required,
        );
        expect(promised, "the README's Node promise").toBe(min);
      }
    }
  });

  it("10. the embedded server's TTL sweep interval is configurable (CAIRN_TTL_EXPIRY_INTERVAL)", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "cairn-ttl-"));
    const server = await startServer(
      serverEnvSchema.parse({
        CAIRN_DATA_DIR: dataDir,
        CAIRN_PORT: "0",
        CAIRN_LOG_LEVEL: "silent",
        CAIRN_TTL_EXPIRY_INTERVAL: "1s",
      }),
      { out: { write: () => true } },
    );
    const cairn = new Cairn({
      baseUrl: server.publicUrl,
      apiKey: server.adminApiKey ?? "",
      project: "ttl",
      env: {},
      configPath: join(dataDir, "none.json"),
      cacheDir: join(dataDir, "cache"),
    });
    try {
      const run = await cairn.init({ jobType: "ttl" });
      const file = join(dataDir, "f.txt");
      await writeFile(file, "short-lived");
      const a = new Artifact({ name: "ephemeral", type: "result" });
      a.addFile(file);
      await run.logArtifact(a, { ttl: "2s" }).wait();
      // v1 takes `latest`, so v0 holds no alias and may expire.
      await writeFile(file, "kept");
      const b = new Artifact({ name: "ephemeral", type: "result" });
      b.addFile(file);
      await run.logArtifact(b).wait();
      const started = Date.now();
      let gone = false;
      while (!gone && Date.now() - started < 15_000) {
        await new Promise((r) => setTimeout(r, 500));
        gone = await cairn
          .api()
          .artifact("ephemeral:v0")
          .then(
            () => false,
            (e) => isCairnError(e, "NOT_FOUND"),
          );
      }
      // With the former fixed 60 s sweep this could not happen within 15 s.
      expect(gone).toBe(true);
      expect((await cairn.api().artifact("ephemeral:latest")).version).toBe("v1");
    } finally {
      await cairn.close();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
