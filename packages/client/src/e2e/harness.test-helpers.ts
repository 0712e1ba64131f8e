import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer, type TestServerOptions } from "@cairn/api/testing";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe } from "vitest";
import { Cairn, type CairnOptions } from "../index.js";

/** One running server plus a client signed in as its admin, in the admin's `default` project. */
export interface E2E {
  server: TestServer;
  /** The engines this suite runs on. */
  engine: TestServerOptions;
  cairn: Cairn;
  /** A scratch directory for the test's files (removed after the suite). */
  dir: string;
  /** Another client of the same server (own cache unless given). */
  newCairn(options?: CairnOptions): Cairn;
}

const ENGINES: Array<{
  label: string;
  options: TestServerOptions;
  needs: Array<"postgres" | "redis">;
}> = [
  {
    label: "pglite+fs+inprocess",
    options: { db: "pglite", blobs: "fs", jobs: "inprocess" },
    needs: [],
  },
  {
    label: "postgres+s3+bullmq",
    options: { db: "postgres", blobs: "s3", jobs: "bullmq" },
    needs: ["postgres", "redis"],
  },
  // The same suites with small blobs in packs (issue 17): every transfer path through the packs.
  {
    label: "pglite+fs-packs+inprocess",
    options: { db: "pglite", blobs: "fs", packs: true, jobs: "inprocess" },
    needs: [],
  },
  {
    label: "postgres+s3-packs+bullmq",
    options: { db: "postgres", blobs: "s3", packs: true, jobs: "bullmq" },
    needs: ["postgres", "redis"],
  },
];

/**
 * Runs `body` against a real server on each engine set: PGlite + directory store + in-process
 * jobs, and Postgres + S3 (s3rver) + BullMQ when those services answer.
 */
export async function describeE2E(
  name: string,
  body: (env: () => E2E, engine: TestServerOptions) => void,
): Promise<void> {
  for (const engine of ENGINES) {
    const suite = (): void => {
      let env: E2E | undefined;
      const clients: Cairn[] = [];
      beforeAll(async () => {
        const server = await startTestServer(engine.options);
        const dir = await mkdtemp(join(tmpdir(), "cairn-e2e-"));
        const newCairn = (options: CairnOptions = {}): Cairn => {
          const cairn = new Cairn({
            baseUrl: server.baseUrl,
            apiKey: server.adminKey,
            entity: server.adminName,
            project: "default",
            env: {},
            configPath: join(dir, "no-config.json"),
            cacheDir: join(dir, `cache-${clients.length}`),
            retry: { attempts: 2, baseMs: 10 },
            ...options,
          });
          clients.push(cairn);
          return cairn;
        };
        env = { server, engine: engine.options, dir, cairn: newCairn(), newCairn };
      });
      afterAll(async () => {
        await Promise.all(clients.map((c) => c.close()));
        if (env) {
          await env.server.close();
          await rm(env.dir, { recursive: true, force: true });
        }
      });
      body(() => {
        if (!env) throw new Error("the e2e server did not start");
        return env;
      }, engine.options);
    };
    const title = `${name} [${engine.label}]`;
    if (engine.needs.length === 0) describe(title, suite);
    else await describeWithServices(engine.needs, title, suite);
  }
}
