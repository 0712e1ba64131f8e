import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer } from "@cairn/api/testing";
import { Artifact, Cairn } from "@cairn/client";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, expect, it } from "vitest";
import { reportFigure, trialCount } from "./figures.js";
import { writeFiles } from "./files.js";

const CLIENTS = 20;

await describeWithServices(["postgres"], "faults: identical contents logged at once", () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer({ db: "postgres" });
    dir = await mkdtemp(join(tmpdir(), "cairn-faults-identical-"));
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`${CLIENTS} clients logging identical contents at once make exactly one version`, async () => {
    // One round is 20 concurrent clients; CAIRN_FAULT_TRIALS=40 runs two rounds, and so on.
    const rounds = Math.max(1, Math.round(trialCount(20) / 20));
    let duplicates = 0;
    let errors = 0;
    for (let round = 0; round < rounds; round++) {
      const name = `same-${round}`;
      // Every client has its own cache and its own copy of the files: nothing is shared but bytes.
      const outcomes = await Promise.allSettled(
        Array.from({ length: CLIENTS }, async (_, c) => {
          const cairn = new Cairn({
            baseUrl: server.baseUrl,
            apiKey: server.adminKey,
            entity: server.adminName,
            project: "default",
            env: {},
            configPath: join(dir, "none.json"),
            cacheDir: join(dir, `cache-${round}-${c}`),
          });
          try {
            const run = await cairn.init({ jobType: "identical" });
            const artifact = new Artifact({ name, type: "dataset" });
            artifact.addDir(await writeFiles(join(dir, `src-${round}-${c}`), 25, `round ${round}`));
            return await run.logArtifact(artifact).result();
          } finally {
            await cairn.close();
          }
        }),
      );
      const results = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      const failures = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
      errors += failures.length;
      expect(failures, String(failures[0])).toEqual([]);
      const versions = await server.client.artifacts.listVersions.query({
        entity: server.adminName,
        project: "default",
        name,
      });
      duplicates += versions.versions.length - 1;
      expect(versions.versions.map((v) => v.version)).toEqual(["v0"]);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.artifact.digest)).size).toBe(1);
      expect(results.every((r) => r.artifact.version === "v0")).toBe(true);
    }
    reportFigure("identical-logs", {
      rounds,
      clients: CLIENTS,
      logs: rounds * CLIENTS,
      extraVersions: duplicates,
      errors,
    });
  });
});
