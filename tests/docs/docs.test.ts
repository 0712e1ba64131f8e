import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startWebhookReceiver, type WebhookReceiver } from "@cairn/api/testing";
import { type S3TestServer, startS3TestServer } from "@cairn/blobs/testing";
import { type RunningServer, serverEnvSchema, startServer } from "@cairn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeBlocks, type DocBlock, isRepositoryBlock, ROOT } from "./doc-blocks.js";

const DOCS = ["README.md", "packages/client/README.md"];
const CLI = join(ROOT, "packages", "cli", "dist", "bin.js");

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * What the test fills in around a TypeScript example: the imports and the variables a snippet
 * takes from the example before it (`cairn`, a writer's `i` / `rank`). Nothing inside is changed.
 */
function prelude(code: string): string {
  const lines: string[] = [];
  if (!/^import /m.test(code)) {
    lines.push('import { Artifact, Cairn, PartitionedTable, Table } from "@cairn/client";');
  }
  if (/\bcairn\./.test(code) && !/\bconst cairn\b/.test(code)) {
    lines.push("const cairn = new Cairn();");
  }
  for (const name of ["i", "rank"]) {
    if (
      new RegExp(`\\b${name}\\b`).test(code) &&
      !new RegExp(`\\b(const|let) ${name}\\b`).test(code)
    ) {
      lines.push(`const ${name} = 0;`);
    }
  }
  return lines.join("\n");
}

/** Files and folders the examples name as if the user had them. */
async function userFiles(dir: string): Promise<void> {
  await mkdir(join(dir, "images"), { recursive: true });
  await mkdir(join(dir, "data"), { recursive: true });
  await writeFile(join(dir, "bicycle-data.h5"), "h5 bytes");
  await writeFile(join(dir, "model.h5"), "model bytes");
  await writeFile(join(dir, "model.pt"), "torch bytes");
  await writeFile(join(dir, "images", "cat.png"), "cat");
  await writeFile(join(dir, "images", "dog.png"), "dog");
  await writeFile(join(dir, "my-dataset.txt"), "rows");
  await writeFile(join(dir, "data", "train.csv"), "a,b\n1,2\n");
  await writeFile(join(dir, "data", "test.csv"), "a,b\n3,4\n");
}

describe("the README examples, verbatim, against a freshly started embedded server", () => {
  let server: RunningServer;
  let s3: S3TestServer;
  let dataDir: string;
  let env: Record<string, string>;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "cairn-docs-server-"));
    server = await startServer(
      serverEnvSchema.parse({
        CAIRN_DATA_DIR: dataDir,
        CAIRN_PORT: "0",
        CAIRN_LOG_LEVEL: "silent",
        // The webhook example's receiver is a loopback server of this test (see runShellBlock).
        CAIRN_WEBHOOK_ALLOWED_NETWORKS: "127.0.0.1/32",
      }),
      { out: { write: () => true } },
    );
    // `s3://my-bucket/raw` of the README: a bucket on a local S3 server, reached through the
    // AWS SDK's standard environment (the example itself passes no endpoint).
    s3 = await startS3TestServer();
    const admin = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
    });
    receiver = await startWebhookReceiver();
    await admin.send(new CreateBucketCommand({ Bucket: "my-bucket" }));
    await admin.send(
      new PutObjectCommand({ Bucket: "my-bucket", Key: "raw/frames.bin", Body: "frames" }),
    );
    env = {
      PATH: process.env.PATH ?? "",
      CAIRN_BASE_URL: server.publicUrl,
      CAIRN_API_KEY: server.adminApiKey ?? "",
      CAIRN_PROJECT: "default",
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_REGION: s3.region,
    };
  });
  afterAll(async () => {
    await server?.stop();
    await s3?.close();
    await receiver?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  for (const file of DOCS) {
    const blocks = codeBlocks(file);
    it(`${file}: every TypeScript example runs to completion`, async () => {
      const ts = blocks.filter(
        (b) => (b.lang === "ts" || b.lang === "typescript") && b.notRun === undefined,
      );
      expect(ts.length).toBeGreaterThan(0);
      const dir = await mkdtemp(join(tmpdir(), "cairn-docs-ts-"));
      const home = join(dir, "home");
      // The examples import "@cairn/client" as a user's project would: from its built package.
      await symlink(join(import.meta.dirname, "node_modules"), join(dir, "node_modules"));
      await userFiles(dir);
      try {
        for (const [n, block] of ts.entries()) {
          const script = join(dir, `example-${n}.mts`);
          const close = /cairn\.close\(\)/.test(block.code) ? "" : "await cairn.close();\n";
          await writeFile(script, `${prelude(block.code)}\n${block.code}\n${close}`);
          const tsx = join(import.meta.dirname, "node_modules", "tsx", "dist", "cli.mjs");
          const ran = await run(process.execPath, [tsx, script], dir, {
            ...env,
            HOME: home,
            XDG_CONFIG_HOME: join(home, ".config"),
            CAIRN_CACHE_DIR: join(dir, "cache"),
          });
          expect(
            ran.code,
            `${block.file}:${block.line} failed:\n${ran.stderr}\n${ran.stdout}`,
          ).toBe(0);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it(`${file}: every shell example runs (repository commands name real scripts)`, async () => {
      const sh = blocks.filter((b) => b.lang === "sh" || b.lang === "bash");
      const rootScripts = Object.keys(
        JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")).scripts as object,
      );
      const dir = await mkdtemp(join(tmpdir(), "cairn-docs-sh-"));
      const bin = join(dir, "bin");
      await mkdir(bin);
      await writeFile(join(bin, "cairn"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, {
        mode: 0o755,
      });
      await userFiles(dir);
      try {
        for (const block of sh) {
          if (isRepositoryBlock(block)) {
            for (const [, script] of block.code.matchAll(/pnpm(?:@[\d.]+)? (\w[\w:-]*)/g)) {
              if (script === "install" || script === "add") continue;
              expect(rootScripts, `${block.file}:${block.line} names pnpm ${script}`).toContain(
                script,
              );
            }
            continue;
          }
          await runShellBlock(block, dir, bin);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  /**
   * Runs a shell example line by line as a user would type it, with `cairn` on PATH. Filled in:
   * the server URL for `http://127.0.0.1:8787`, the admin key for `cairn_…` and `$CAIRN_KEY`,
   * the webhook receiver `https://ci.example.com/cairn` for a loopback receiver of this test, and
   * the step a comment asks of the user ("…edit data/": a file of data/ changes).
   */
  async function runShellBlock(block: DocBlock, dir: string, bin: string): Promise<void> {
    const home = join(dir, "home");
    const shellEnv = {
      PATH: `${bin}:${env.PATH}`,
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      CAIRN_CACHE_DIR: join(dir, "cache"),
      CAIRN_KEY: server.adminApiKey ?? "",
      CAIRN_API_KEY: server.adminApiKey ?? "",
      AWS_ENDPOINT_URL_S3: env.AWS_ENDPOINT_URL_S3 ?? "",
    };
    // A line ending in "\" continues on the next, as the shell reads it.
    const commands = block.code.replace(/\\\n/g, " ").split("\n");
    for (const raw of commands) {
      const line = raw
        .replaceAll("http://127.0.0.1:8787", server.publicUrl)
        .replaceAll("cairn_…", server.adminApiKey ?? "")
        .replaceAll("https://ci.example.com/cairn", receiver.url);
      if (/^#.*edit data\//.test(line.trim())) {
        await writeFile(join(dir, "data", "train.csv"), "a,b\n1,2\n5,6\n");
        continue;
      }
      if (line.trim() === "" || line.trim().startsWith("#")) continue;
      const ran = await run("bash", ["-c", `set -e -o pipefail\n${line}`], dir, shellEnv);
      expect(ran.code, `${block.file}:${block.line}: ${line}\n${ran.stderr}${ran.stdout}`).toBe(0);
    }
  }
});
