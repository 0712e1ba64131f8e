import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTestServer, type TestServer } from "@cairn/api/testing";
import { Artifact, Cairn } from "@cairn/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PACKAGE_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
const PYTHON = process.env.CAIRN_PYTHON ?? "python3";

/** Runs a command, resolving with its exit code and combined output. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("the Python client (clients/python)", () => {
  let server: TestServer;
  let scratch: string;

  beforeAll(async () => {
    server = await startTestServer();
    scratch = await mkdtemp(join(tmpdir(), "cairn-python-"));
  });

  afterAll(async () => {
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("passes its unittest suite against a real server, after a log from TypeScript", async () => {
    // The TypeScript client logs a directory; the Python suite re-logs it unchanged.
    const dir = join(scratch, "ts-logged");
    await mkdir(join(dir, "nested"), { recursive: true });
    await writeFile(join(dir, "a.txt"), "from typescript\n");
    await writeFile(join(dir, "nested", "é.bin"), Buffer.from([0, 1, 2, 255]));
    const cairn = new Cairn({
      baseUrl: server.baseUrl,
      apiKey: server.adminKey,
      cacheDir: join(scratch, "ts-cache"),
      env: {},
    });
    await cairn.api().createProject({ name: "interop" });
    const tsRun = await cairn.init({ project: "interop", jobType: "ts" });
    const artifact = new Artifact({ name: "shared", type: "dataset" });
    artifact.addDir(dir);
    const logged = await tsRun.logArtifact(artifact).wait();
    await tsRun.finish();
    await cairn.close();

    const home = join(scratch, "home");
    await mkdir(home, { recursive: true });
    const { code, output } = await run(
      PYTHON,
      ["-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."],
      {
        cwd: PACKAGE_DIR,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          CAIRN_BASE_URL: server.baseUrl,
          CAIRN_API_KEY: server.adminKey,
          CAIRN_TS_LOGGED: JSON.stringify({
            project: "interop",
            name: "shared",
            type: "dataset",
            dir,
            version: logged.version,
            digest: logged.digest,
          }),
        },
      },
    );
    expect(code, output).toBe(0);
    // Every test ran: none skipped for want of a server.
    expect(output).toMatch(/\nOK\n?$/);
    expect(output).not.toMatch(/skipped/);
    let declared = 0;
    for (const file of await readdir(join(PACKAGE_DIR, "tests"))) {
      if (!/^test_.*\.py$/.test(file)) continue;
      declared +=
        (await readFile(join(PACKAGE_DIR, "tests", file), "utf8")).match(/^ {4}def test_/gm)
          ?.length ?? 0;
    }
    expect(output).toContain(`Ran ${declared} tests`);
    if (process.env.CAIRN_PYTHON_VERBOSE) console.log(output);
  });

  it("pip-installs offline into a fresh virtual environment", async () => {
    const venv = join(scratch, "venv");
    const created = await run(PYTHON, ["-m", "venv", venv], { cwd: scratch });
    expect(created.code, created.output).toBe(0);
    const pip = await run(
      join(venv, "bin", "python"),
      ["-m", "pip", "install", "--no-index", "--disable-pip-version-check", PACKAGE_DIR],
      { cwd: scratch, env: { PATH: process.env.PATH, HOME: scratch } },
    );
    expect(pip.code, pip.output).toBe(0);
    const check = await run(
      join(venv, "bin", "python"),
      ["-c", "import cairn, sys; print(cairn.__file__); print(cairn.version_digest([]))"],
      { cwd: scratch },
    );
    expect(check.code, check.output).toBe(0);
    expect(check.output).toContain(join(venv, "lib"));
    // The empty manifest's golden digest (packages/core/test/fixtures/golden-manifests.json).
    expect(check.output).toContain(
      "fd461db5f3e6ce49e7906bffe1efaf39ef7e07710911012b3f4a36a5c1f4cda7",
    );
  });
});
