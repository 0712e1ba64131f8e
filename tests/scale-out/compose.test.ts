import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { blobStoreConfigOf as serverBlobConfig, serverEnvSchema } from "@cairn/server";
import { blobStoreConfigOf as workerBlobConfig, workerEnvSchema } from "@cairn/worker";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "./processes.js";

interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  depends_on?: Record<string, unknown>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  "x-cairn-defaults": { server: string[]; worker: string[] };
}

const SERVER_MAIN = "apps/server/dist/main.js";
const WORKER_MAIN = "apps/worker/dist/main.js";

/** The services running one app, by the entry point in their command. */
function servicesRunning(compose: ComposeFile, main: string): Array<[string, ComposeService]> {
  return Object.entries(compose.services).filter(([, s]) => s.command?.includes(main));
}

/** Compose values may be YAML numbers or booleans; the process sees strings. */
function envOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]),
  );
}

const APPS = {
  server: { main: SERVER_MAIN, schema: serverEnvSchema, blobs: serverBlobConfig },
  worker: { main: WORKER_MAIN, schema: workerEnvSchema, blobs: workerBlobConfig },
} as const;

/**
 * Everything wrong between the compose file (plus the image's ENV) and one app's env schema: a
 * variable set that the app does not read, a variable the app reads that compose neither sets nor
 * lists under `x-cairn-defaults`, a value that does not parse, or an incomplete S3 configuration.
 */
function envProblems(
  compose: ComposeFile,
  imageEnv: Record<string, string>,
  app: keyof typeof APPS,
): string[] {
  const { main, schema, blobs } = APPS[app];
  const accepted = Object.keys(schema.shape);
  const defaults = compose["x-cairn-defaults"][app];
  const problems: string[] = [];
  for (const [name, service] of servicesRunning(compose, main)) {
    const env = { ...imageEnv, ...envOf(service) };
    const set = Object.keys(env).filter(
      (k) => k.startsWith("CAIRN_") || k === "DATABASE_URL" || k === "REDIS_URL",
    );
    for (const key of set) {
      if (!accepted.includes(key))
        problems.push(`${name} sets ${key}, which the ${app} does not read`);
      if (defaults.includes(key)) problems.push(`${name} sets ${key}, also listed as a default`);
    }
    for (const key of accepted) {
      if (!set.includes(key) && !defaults.includes(key))
        problems.push(`${name} never mentions ${key} (set it or list it in x-cairn-defaults)`);
    }
    const parsed = schema.safeParse(env);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${name}: ${issue.path.join(".")}: ${issue.message}`);
      continue;
    }
    // Scale-out needs the shared engines, not the embedded ones.
    if (!/^postgres:\/\//.test(parsed.data.DATABASE_URL ?? ""))
      problems.push(`${name}: DATABASE_URL must name the shared PostgreSQL`);
    if (!/^redis:\/\//.test(parsed.data.REDIS_URL ?? ""))
      problems.push(`${name}: REDIS_URL must name the shared Redis`);
    try {
      const config = blobs(parsed.data as never);
      if (config.kind !== "s3") problems.push(`${name}: every process must share one bucket`);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  return problems;
}

describe("docker-compose.yml agrees with the environment the apps read", () => {
  let compose: ComposeFile;
  let dockerfileEnv: Record<string, string>;
  beforeAll(async () => {
    // `merge: true` resolves the `<<: *anchor` keys exactly as docker compose does.
    compose = parse(await readFile(join(REPO_ROOT, "docker-compose.yml"), "utf8"), {
      merge: true,
    }) as ComposeFile;
    const dockerfile = await readFile(join(REPO_ROOT, "Dockerfile"), "utf8");
    const runtime = dockerfile.slice(dockerfile.indexOf("AS runtime"));
    const envBlock = /^ENV ((?:.*\\\n)*.*)$/m.exec(runtime)?.[1] ?? "";
    dockerfileEnv = Object.fromEntries(
      [...envBlock.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]),
    );
  });

  it("has the scale-out topology: 2 servers without in-process workers, 3 workers, engines and a proxy", () => {
    const servers = servicesRunning(compose, SERVER_MAIN);
    const workers = servicesRunning(compose, WORKER_MAIN);
    expect(servers.map(([name]) => name)).toEqual(["server-1", "server-2"]);
    expect(workers.map(([name]) => name)).toEqual(["worker-1", "worker-2", "worker-3"]);
    for (const [, server] of servers) expect(envOf(server).CAIRN_NO_WORKERS).toBe("true");
    for (const name of ["postgres", "redis", "minio", "minio-init", "proxy"])
      expect(Object.keys(compose.services)).toContain(name);
    // Exactly one worker registers the periodic sweeps.
    const scheduling = workers.filter(([, w]) => envOf(w).CAIRN_NO_SCHEDULES === "false");
    expect(scheduling.map(([name]) => name)).toEqual(["worker-1"]);
    // The commands name entry points this repository builds.
    for (const main of [SERVER_MAIN, WORKER_MAIN])
      expect(existsSync(join(REPO_ROOT, main.replace("dist/main.js", "src/main.ts")))).toBe(true);
  });

  for (const app of ["server", "worker"] as const) {
    it(`sets for every ${app} only variables it accepts, mentions every one, and they parse`, () => {
      expect(envProblems(compose, dockerfileEnv, app)).toEqual([]);
    });
  }

  it("reports an unknown, a missing and an invalid variable (the check can fail)", () => {
    const broken = structuredClone(compose);
    const server2 = broken.services["server-2"]?.environment;
    const worker3 = broken.services["worker-3"]?.environment;
    if (!server2 || !worker3) throw new Error("compose lost server-2 or worker-3");
    server2.CAIRN_S3_BUCKET_NAME = "typo";
    delete worker3.DATABASE_URL;
    worker3.CAIRN_DATABASE_POOL_SIZE = "lots";
    expect(envProblems(broken, dockerfileEnv, "server")).toEqual([
      "server-2 sets CAIRN_S3_BUCKET_NAME, which the server does not read",
    ]);
    const worker = envProblems(broken, dockerfileEnv, "worker");
    expect(worker).toContain(
      "worker-3 never mentions DATABASE_URL (set it or list it in x-cairn-defaults)",
    );
    expect(worker.some((p) => p.startsWith("worker-3: DATABASE_URL:"))).toBe(true);
    expect(worker.some((p) => p.startsWith("worker-3: CAIRN_DATABASE_POOL_SIZE:"))).toBe(true);
  });
});
