import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Artifact } from "@cairn/client";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ScaleOut, startScaleOut } from "./harness.js";

const WRITERS = 8;
const FILES_PER_WRITER = 100;

/** Writes `count` small files with distinct contents under `dir` and returns the directory. */
async function writeFiles(dir: string, count: number, tag: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await Promise.all(
    Array.from({ length: count }, (_, j) =>
      writeFile(join(dir, `f${j}.txt`), `${tag} file ${j}\n`),
    ),
  );
  return dir;
}

await describeWithServices(
  ["postgres", "redis"],
  "scale-out: 2 server and 3 worker processes on one PostgreSQL, Redis and bucket",
  () => {
    let env: ScaleOut;
    beforeAll(async () => {
      env = await startScaleOut({ servers: 2, workers: 3 });
    });
    afterAll(async () => {
      await env?.close();
    });

    it("bootstraps one admin on the first server only; every server is ready on every engine", async () => {
      expect(env.bootstrapped).toEqual([true, false]);
      expect(env.adminKey).toMatch(/^cairn_/);
      for (const server of env.servers) {
        const ready = await fetch(`${server.url}/readyz`);
        const body = (await ready.json()) as {
          ok: boolean;
          checks: Record<string, { ok: boolean }>;
        };
        expect(ready.status).toBe(200);
        expect(Object.keys(body.checks).sort()).toEqual(["blobs", "db", "jobs"]);
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        expect(metrics).toContain('cairn_queue_jobs{queue="finish",state="waiting"}');
      }
      // Both servers accept the key the first one created (it lives in the shared database).
      const whoami = await Promise.all(
        env.servers.map((s) =>
          fetch(`${s.url}/trpc/accounts.whoami`, {
            headers: { authorization: `Bearer ${env.adminKey}` },
          }),
        ),
      );
      expect(whoami.map((r) => r.status)).toEqual([200, 200]);
    });

    it("log, use, download, aliases and lineage work whichever process a request lands on", async () => {
      const cairn = env.newCairn();
      const before = new Map(env.proxy.served);
      const file = join(env.dir, "e2e", "my-dataset.txt");
      await mkdir(join(env.dir, "e2e"), { recursive: true });
      await writeFile(file, "rows,1\nrows,2\n");

      const producer = await cairn.init({ jobType: "upload-dataset" });
      const artifact = new Artifact({ name: "my-dataset", type: "dataset" });
      artifact.addFile(file);
      const first = await producer.logArtifact(artifact, { aliases: ["candidate"] }).result();
      expect(first).toMatchObject({ created: true, uploadedFiles: 1, uploadedBytes: 14 });
      expect(first.artifact.aliases).toEqual(["candidate", "latest"]);

      // Identical re-log on whatever server: same version, nothing uploaded (dedup by ownership).
      const again = await producer.logArtifact(artifact).result();
      expect(again).toMatchObject({ created: false, uploadedFiles: 0 });

      const consumer = await env.newCairn().init({ jobType: "train" });
      const used = await consumer.useArtifact("my-dataset:candidate");
      const root = await used.download({ root: join(env.dir, "e2e-dl") });
      expect(await readFile(join(root, "my-dataset.txt"), "utf8")).toBe("rows,1\nrows,2\n");

      used.aliases = ["production", "latest"];
      await used.save();
      const fetched = await cairn.api().artifact("my-dataset:production");
      expect(fetched.digest).toBe(first.artifact.digest);
      expect(fetched.aliases).toEqual(["latest", "production"]);

      expect((await used.loggedBy())?.id).toBe(producer.id);
      expect((await used.usedBy()).map((r) => r.id)).toEqual([consumer.id]);
      expect((await producer.loggedArtifacts()).map((a) => a.qualifiedName)).toEqual([
        fetched.qualifiedName,
      ]);

      // The round-robin spread those calls over both servers.
      for (const server of env.servers) {
        const served = (env.proxy.served.get(server.url) ?? 0) - (before.get(server.url) ?? 0);
        expect(served, `requests served by ${server.name}`).toBeGreaterThan(2);
      }
    });

    it(`${WRITERS} writers × ${FILES_PER_WRITER} files upsert in parallel; one finish commits them all`, async () => {
      const group = "parallel-writers";
      const runs = await Promise.all(
        Array.from({ length: WRITERS }, async (_, i) => {
          const run = await env.newCairn().init({ jobType: "writer", group });
          const part = new Artifact({ name: "sharded", type: "dataset" });
          part.addDir(
            await writeFiles(join(env.dir, "shards", `w${i}`), FILES_PER_WRITER, `w${i}`),
            {
              name: `w${i}`,
            },
          );
          await run.upsertArtifact(part);
          return run;
        }),
      );
      const finisher = runs[0];
      if (!finisher) throw new Error("no writer started");
      const version = await finisher.finishArtifact(
        new Artifact({ name: "sharded", type: "dataset" }),
      );
      expect(version.version).toBe("v0");
      expect(version.manifest.entries).toHaveLength(WRITERS * FILES_PER_WRITER);
      const root = await version.download({ root: join(env.dir, "sharded-dl") });
      expect(await readFile(join(root, "w7", "f99.txt"), "utf8")).toBe("w7 file 99\n");
      expect(await readFile(join(root, "w0", "f0.txt"), "utf8")).toBe("w0 file 0\n");
      // The workers (not the servers, which run with CAIRN_NO_WORKERS) merged and committed.
      const jobLogs = env.workers.flatMap((w) => w.output).join("");
      expect(env.servers.every((s) => !s.output.join("").includes("cairn worker ready"))).toBe(
        true,
      );
      expect(jobLogs).toContain("cairn worker ready");
    });

    it("SIGKILL of one server mid-run loses no acknowledged write; clients carry on through the other", async () => {
      const ROUNDS = 6;
      const acknowledged: Array<{ name: string; digest: string; version: string }> = [];
      const runs = await Promise.all(
        Array.from({ length: WRITERS }, () => env.newCairn().init({ jobType: "killed-writer" })),
      );
      let killed: Promise<void> | undefined;
      const writers = runs.map(async (run, i) => {
        for (let round = 0; round < ROUNDS; round++) {
          const a = new Artifact({ name: `kill-w${i}`, type: "dataset" });
          a.addDir(
            await writeFiles(join(env.dir, "kill", `w${i}-r${round}`), 20, `w${i} r${round}`),
          );
          const { artifact } = await run.logArtifact(a).result();
          acknowledged.push({
            name: `kill-w${i}`,
            digest: artifact.digest,
            version: artifact.version,
          });
          // After a quarter of the writes are acknowledged, the first server dies, no drain.
          if (acknowledged.length === (WRITERS * ROUNDS) / 4) killed ??= env.killServer(0);
        }
      });
      await Promise.all(writers);
      await killed;
      expect(env.servers[0]?.child.signalCode).toBe("SIGKILL");
      expect(acknowledged).toHaveLength(WRITERS * ROUNDS);

      // Every acknowledged version is there, with its files, read back through the survivor.
      const reader = env.newCairn();
      for (const ack of acknowledged) {
        const version = await reader.api().artifact(`${ack.name}:${ack.version}`);
        expect(version.digest).toBe(ack.digest);
        expect(version.manifest.entries).toHaveLength(20);
      }
      const committed = await env.database.db
        .selectFrom("versions")
        .select(({ fn }) => fn.countAll<string>().as("n"))
        .where("state", "=", "committed")
        .executeTakeFirstOrThrow();
      expect(Number(committed.n)).toBeGreaterThanOrEqual(WRITERS * ROUNDS);
      // The proxy moved refused requests to the survivor by itself.
      expect(env.proxy.failovers).toBeGreaterThan(0);
    });
  },
);
