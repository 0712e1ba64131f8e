import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startTestServer, type TestServer } from "@cairn/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./cli.test-helpers.js";

const run = promisify(execFile);
const PACKAGES = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const PACKED = ["core", "client", "cli"] as const;

function versionOf(name: (typeof PACKED)[number]): string {
  return (
    JSON.parse(readFileSync(join(PACKAGES, name, "package.json"), "utf8")) as { version: string }
  ).version;
}

/**
 * What a user installs: `pnpm pack` of `@cairn/core`, `@cairn/client` and `@cairn/cli`, installed
 * into a scratch project outside the workspace (dependencies from the registry or pnpm's store),
 * then run there against a real server. Catches files missing from `files`, workspace-only
 * dependencies (the CLI once depended on the private server and worker) and a hard-coded version.
 */
describe("the packed client and CLI", () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), "cairn-packed-"));
    const tarballs: Record<string, string> = {};
    for (const name of PACKED) {
      await run("pnpm", ["pack", "--pack-destination", dir], { cwd: join(PACKAGES, name) });
      tarballs[`@cairn/${name}`] = `file:../cairn-${name}-${versionOf(name)}.tgz`;
    }
    const app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({
        name: "scratch",
        private: true,
        type: "module",
        dependencies: {
          "@cairn/cli": tarballs["@cairn/cli"],
          "@cairn/client": tarballs["@cairn/client"],
        },
        // The packed packages name each other by version; point those at the tarballs too.
        pnpm: { overrides: tarballs },
      }),
    );
    await run("pnpm", ["install", "--prefer-offline", "--ignore-workspace", "--reporter=silent"], {
      cwd: app,
      env: { ...process.env, CI: "true" },
    });
    server = await startTestServer();
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("depends only on published packages", () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGES, "cli", "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies).filter((n) => n.startsWith("@cairn/"))) {
      const pkg = JSON.parse(
        readFileSync(join(PACKAGES, name.slice("@cairn/".length), "package.json"), "utf8"),
      ) as { private?: boolean };
      expect(pkg.private ?? false, name).toBe(false);
    }
  });

  it("runs the installed cairn: its package.json version, and a listing from a real server", async () => {
    const app = join(dir, "app");
    const bin = join(app, "node_modules", ".bin", "cairn");
    const version = await run(bin, ["--version"], { cwd: app });
    expect(version.stdout.trim()).toBe(versionOf("cli"));
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      CAIRN_BASE_URL: server.baseUrl,
      CAIRN_API_KEY: server.adminKey,
      CAIRN_PROJECT: "default",
    };
    const ls = await run(bin, ["ls", "--json"], { cwd: app, env });
    expect(JSON.parse(ls.stdout)).toEqual([]);
  }, 60_000);

  it("imports the installed client and handles its errors without @cairn/core", async () => {
    const app = join(dir, "app");
    const script = `
      import { Cairn, isCairnError } from "@cairn/client";
      const cairn = new Cairn({ baseUrl: process.argv[1], apiKey: process.argv[2], entity: "admin", project: "default", env: {} });
      const projects = await cairn.api().projects();
      const missing = await cairn.api().artifact("nothing-here:v0").catch((e) => e);
      console.log(JSON.stringify({ projects: projects.map((p) => p.name), code: isCairnError(missing) ? missing.code : null }));
      await cairn.close();
    `;
    const out = await run(
      process.execPath,
      ["--input-type=module", "-e", script, server.baseUrl, server.adminKey],
      { cwd: app, env: { PATH: process.env.PATH ?? "", HOME: dir } },
    );
    expect(JSON.parse(out.stdout)).toEqual({ projects: ["default"], code: "NOT_FOUND" });
  }, 60_000);
});
