import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * What a user gets from `npm install @cairn/client`: the packed tarballs of @cairn/client and
 * @cairn/core, their declared dependencies and nothing else of the workspace (no @cairn/api,
 * @cairn/services, @cairn/db), type-checked by `tsc` as a consumer project. Dependencies are linked
 * from the workspace's node_modules instead of installed from the registry (fast, offline).
 */

const run = promisify(execFile);
const clientDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const coreDir = join(clientDir, "..", "core");
const requireFromClient = createRequire(join(clientDir, "package.json"));
/** Module specifiers in declarations: `from "x"`, `import("x")`, `/// <reference types="x" />`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|<reference\s+types\s*=\s*)["']([^"']+)["']/g;
const SERVER_PACKAGES =
  /@cairn\/(api|services|db|jobs|blobs)\b|packages\/(api|services|db|jobs|blobs)\//;

/** `pnpm`, as the one running this suite (`npm_execpath`) or from PATH. */
function pnpmCommand(): { file: string; args: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath && basename(execPath).includes("pnpm")) {
    return /\.[cm]?js$/.test(execPath)
      ? { file: process.execPath, args: [execPath] }
      : { file: execPath, args: [] };
  }
  return { file: "pnpm", args: [] };
}

/** Packs `dir` with pnpm (which rewrites workspace:/catalog: ranges) and unpacks it to `dest`. */
async function packInto(dir: string, packs: string, dest: string): Promise<void> {
  const out = join(packs, basename(dir));
  await mkdir(out, { recursive: true });
  const pnpm = pnpmCommand();
  await run(pnpm.file, [...pnpm.args, "pack", "--pack-destination", out], { cwd: dir });
  const [tarball] = (await readdir(out)).filter((file) => file.endsWith(".tgz"));
  if (!tarball) throw new Error(`pnpm pack wrote no tarball for ${dir}`);
  await mkdir(dest, { recursive: true });
  await run("tar", ["-xzf", join(out, tarball), "-C", dest, "--strip-components=1"]);
}

/** Links a package from the workspace's node_modules into the consumer's (real path, so its own
 * dependencies resolve beside it in pnpm's store). */
async function linkDependency(modules: string, name: string): Promise<void> {
  const source = await realpath(dirname(requireFromClient.resolve(`${name}/package.json`)));
  await mkdir(dirname(join(modules, name)), { recursive: true });
  await symlink(source, join(modules, name), "dir");
}

/** The consumer's code: router-derived types must be precise (an `any` fails the expect-errors). */
const CONSUMER = `
import {
  Cairn,
  type CairnTrpcClient,
  type RouterInputs,
  type RouterOutputs,
  type VersionInfo,
} from "@cairn/client";
import { parseReference } from "@cairn/core";

const cairn = new Cairn({ project: "vision", baseUrl: "http://127.0.0.1:9", apiKey: "k" });

export async function useTheClient(trpc: CairnTrpcClient): Promise<void> {
  const a = await cairn.api().artifact("x");
  const version: string = a.version;
  const n: number = a.info.number;
  const state: "committed" | "deleted" = a.info.state;
  // @ts-expect-error a version number is not a string
  const wrong: string = a.info.number;

  const got = await trpc.artifacts.get.query({ entity: "e", project: "p", ref: "x:latest" });
  const size: number = got.size;
  // @ts-expect-error entity must be a string
  await trpc.artifacts.get.query({ entity: 1, project: "p", ref: "x" });
  // @ts-expect-error no such procedure
  await trpc.artifacts.noSuchProcedure.query();

  const run = await cairn.init({ jobType: "train" });
  // @ts-expect-error jobType must be a string
  await cairn.init({ jobType: 7 });

  const input: RouterInputs["projects"]["get"] = { entity: "e", project: "p" };
  // @ts-expect-error project is required
  const missing: RouterInputs["projects"]["get"] = { entity: "e" };
  const info: VersionInfo = got;
  const output: RouterOutputs["artifacts"]["get"] = info;
  const ref = parseReference("entity/project/name:v1");
  console.log(version, n, state, wrong, size, run, input, missing, output, ref);
}
`;

describe("@cairn/client as packed for npm", () => {
  let work = "";
  let consumer = "";

  beforeAll(async () => {
    for (const dir of [clientDir, coreDir]) {
      if (!existsSync(join(dir, "dist", "index.d.ts"))) {
        throw new Error(
          `${dir}/dist is missing: build first (pnpm turbo run build --filter @cairn/client...)`,
        );
      }
    }
    work = await mkdtemp(join(tmpdir(), "cairn-packed-types-"));
    consumer = join(work, "consumer");
    const modules = join(consumer, "node_modules");
    await packInto(coreDir, join(work, "packs"), join(modules, "@cairn", "core"));
    await packInto(clientDir, join(work, "packs"), join(modules, "@cairn", "client"));
    const manifest = JSON.parse(
      await readFile(join(modules, "@cairn", "client", "package.json"), "utf8"),
    ) as { dependencies: Record<string, string> };
    const linked = Object.keys(manifest.dependencies).filter((name) => !name.startsWith("@cairn/"));
    for (const name of [...linked, "@types/node"]) await linkDependency(modules, name);
    await writeFile(join(consumer, "consumer.ts"), CONSUMER);
    await writeFile(
      join(consumer, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    await writeFile(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          // Checking every library's .d.ts (skipLibCheck: false) costs ~15 s, mostly in
          // @aws-sdk; unresolved imports in ours are caught by the test above, and silent `any`s
          // by the @ts-expect-error lines of the consumer.
          skipLibCheck: true,
          types: ["node"],
        },
        files: ["consumer.ts"],
      }),
    );
  }, 60_000);

  afterAll(async () => {
    if (work && !process.env.KEEP_PACKED) await rm(work, { recursive: true, force: true });
  });

  it("declares only publishable dependencies (no server package, no workspace: ranges)", async () => {
    for (const pkg of ["client", "core"]) {
      const text = await readFile(join(consumer, "node_modules", "@cairn", pkg, "package.json"));
      const manifest = JSON.parse(text.toString()) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const deps = manifest.dependencies ?? {};
      expect(Object.keys(deps).filter((name) => SERVER_PACKAGES.test(name))).toEqual([]);
      expect(Object.values(deps).filter((range) => /^(workspace|catalog):/.test(range))).toEqual(
        [],
      );
    }
  });

  it("ships declarations whose every import is a declared dependency, never a server package", async () => {
    const offenders: string[] = [];
    for (const pkg of ["client", "core"]) {
      const root = join(consumer, "node_modules", "@cairn", pkg);
      const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
        dependencies?: Record<string, string>;
      };
      const declared = new Set(Object.keys(manifest.dependencies ?? {}));
      const files = (await readdir(join(root, "dist"), { recursive: true })).filter((f) =>
        f.endsWith(".d.ts"),
      );
      expect(files).toContain("index.d.ts");
      for (const file of files) {
        const text = await readFile(join(root, "dist", file), "utf8");
        for (const [, specifier = ""] of text.matchAll(SPECIFIER)) {
          if (specifier.startsWith(".")) continue;
          const name = specifier
            .split("/")
            .slice(0, specifier.startsWith("@") ? 2 : 1)
            .join("/");
          const builtin = name.startsWith("node:") || builtinModules.includes(name);
          if (SERVER_PACKAGES.test(`${name}/`) || !(builtin || declared.has(name))) {
            offenders.push(`@cairn/${pkg}/dist/${file}: ${specifier}`);
          }
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it("type-checks a consumer with precise router types, without any server package", async () => {
    const tsc = requireFromClient.resolve("typescript/bin/tsc");
    const result = await run(process.execPath, [tsc, "-p", consumer, "--listFiles"], {
      cwd: consumer,
    }).then(
      ({ stdout }) => ({ ok: true, stdout }),
      (error: { stdout?: string }) => ({ ok: false, stdout: error.stdout ?? String(error) }),
    );
    const diagnostics = result.stdout.split("\n").filter((line) => /error TS\d+/.test(line));
    expect(diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
    const files = result.stdout.split("\n").filter((line) => line.endsWith(".ts"));
    expect(files.some((f) => f.endsWith("@cairn/client/dist/transport/app-router.d.ts"))).toBe(
      true,
    );
    expect(files.filter((f) => SERVER_PACKAGES.test(f))).toEqual([]);
  }, 60_000);
});
