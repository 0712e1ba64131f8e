import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Artifact, type Cairn } from "@cairn/client";
import type { ManifestEntry } from "@cairn/core";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FaultEnv, startFaultEnv } from "./environment.js";
import { reportFigure, trialCount } from "./figures.js";
import {
  entriesUnder,
  seedOwnedBlobs,
  untilSucceeds,
  versionNumbers,
  waitForDraft,
} from "./fleet-load.js";
import type { AppProcess } from "./processes.js";

const TRIALS = trialCount(20);
const PAGES = 4;
const PAGE = 500;
const P = { entity: "admin", project: "default" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await describeWithServices(
  ["postgres"],
  "faults: killed workers, Redis and PostgreSQL outages (server + 2 worker processes)",
  () => {
    let env: FaultEnv;
    let cairn: Cairn;
    let pool: ManifestEntry[];
    beforeAll(async () => {
      env = await startFaultEnv({ workers: 2 });
      cairn = env.newCairn();
      pool = await seedOwnedBlobs(env, PAGE);
    });
    afterAll(async () => {
      await env?.close();
    });

    const alive = () =>
      env.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);

    /** SIGKILLs `victim` and starts a replacement, so two workers stay for the next trial. */
    async function killAndReplace(victim: AppProcess): Promise<void> {
      victim.child.kill("SIGKILL");
      await victim.exited;
      await env.addWorker();
    }

    it(`SIGKILL of a worker during upsert merges, ${TRIALS} trials: no lost entries, one version`, async () => {
      let lost = 0;
      let duplicates = 0;
      let unfinished = 0;
      for (let t = 0; t < TRIALS; t++) {
        const name = `kill-upsert-${t}`;
        const key = { ...P, name, type: "dataset", distributedId: `d-${t}` };
        const victim = alive()[t % 2] as AppProcess;
        const upserts = Array.from({ length: PAGES }, (_, k) =>
          untilSucceeds(() =>
            cairn.trpc.artifacts.upsert.mutate({
              ...key,
              entries: entriesUnder(pool, `part-${k}`, 0, PAGE),
            }),
          ),
        );
        // Acknowledged upserts queue merge jobs: kill a worker while they run.
        await Promise.race(upserts);
        await sleep(Math.floor(Math.random() * 150));
        await killAndReplace(victim);
        await Promise.all(upserts);
        const { value: finished } = await untilSucceeds(() =>
          cairn.trpc.artifacts.finish.mutate(key),
        );
        const status = await waitForDraft(cairn, finished.draftId);
        if (status.status !== "finished") unfinished++;
        lost += PAGES * PAGE - (status.version?.fileCount ?? 0);
        duplicates += (await versionNumbers(env, name)).length - 1;
      }
      reportFigure("worker-sigkill-upsert", { trials: TRIALS, lost, duplicates, unfinished });
      expect({ lost, duplicates, unfinished }).toEqual({ lost: 0, duplicates: 0, unfinished: 0 });
    });

    it(`SIGKILL of the worker inside a finish transaction, ${TRIALS} trials: finished elsewhere, no duplicate version`, async () => {
      let lost = 0;
      let duplicates = 0;
      let unfinished = 0;
      let killedMidFinish = 0;
      for (let t = 0; t < TRIALS; t++) {
        const name = `kill-finish-${t}`;
        const key = { ...P, name, type: "dataset", distributedId: `f-${t}` };
        // v0 exists, so the finish's commit must lock the collection row — which the test holds.
        await cairn.trpc.artifacts.log.mutate({
          ...P,
          name,
          type: "dataset",
          entries: entriesUnder(pool, "seed", 0, 1),
        });
        await untilSucceeds(() =>
          cairn.trpc.artifacts.upsert.mutate({ ...key, entries: entriesUnder(pool, "d", 0, 100) }),
        );
        let release!: () => void;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => {
          locked = resolve;
        });
        const holder = env.database.db.transaction().execute(async (trx) => {
          await trx
            .selectFrom("collections")
            .select("id")
            .where("name", "=", name)
            .forUpdate()
            .execute();
          locked();
          await released;
        });
        await isLocked;
        const { value: finished } = await untilSucceeds(() =>
          cairn.trpc.artifacts.finish.mutate(key),
        );
        let victim: AppProcess | undefined;
        for (let i = 0; i < 300 && !victim; i++) {
          const blocked = await env.database.db
            .withTables<{
              pg_stat_activity: { application_name: string; wait_event_type: string | null };
            }>()
            .selectFrom("pg_stat_activity")
            .select("application_name")
            .where("application_name", "like", "cairn-fault-worker-%")
            .where("wait_event_type", "=", "Lock")
            .execute();
          const n = blocked[0]?.application_name.replace("cairn-fault-worker-", "");
          victim = env.workers.find((w) => w.name === `worker-${n}`);
          if (!victim) await sleep(50);
        }
        if (victim) {
          killedMidFinish++;
          await killAndReplace(victim);
        }
        release();
        await holder;
        const status = await waitForDraft(cairn, finished.draftId);
        if (status.status !== "finished") unfinished++;
        lost += 100 - (status.version?.fileCount ?? 0);
        const numbers = await versionNumbers(env, name);
        duplicates += numbers.length - 2;
        expect(numbers).toEqual([0, 1]);
      }
      reportFigure("worker-sigkill-finish", {
        trials: TRIALS,
        killedMidFinish,
        lost,
        duplicates,
        unfinished,
      });
      expect({ lost, duplicates, unfinished, killedMidFinish }).toEqual({
        lost: 0,
        duplicates: 0,
        unfinished: 0,
        killedMidFinish: TRIALS,
      });
    });

    /**
     * Steady load from 4 writers — SDK logs with real byte uploads, and upserts into one shared
     * draft — while `outage` breaks an engine. Every acknowledged write must be there afterwards;
     * failed calls must carry a message and succeed when retried.
     */
    async function underLoad(
      label: string,
      outage: () => Promise<void>,
    ): Promise<Record<string, number>> {
      const WRITERS = 4;
      const distributedId = `${label}-draft`;
      const draftKey = { ...P, name: `${label}-draft`, type: "dataset", distributedId };
      const acked: Array<{ name: string; digest: string; version: string }> = [];
      let ackedPages = 0;
      const errors: string[] = [];
      let stop = false;
      const writers = Array.from({ length: WRITERS }, async (_, w) => {
        const client = env.newCairn({ retry: { attempts: 2, baseMs: 100, maxMs: 300 } });
        const run = (await untilSucceeds(() => client.init({ jobType: label }))).value;
        for (let k = 0; !stop; k++) {
          const dir = join(env.dir, label, `w${w}-${k}`);
          await mkdir(dir, { recursive: true });
          await Promise.all(
            [0, 1, 2].map((i) => writeFile(join(dir, `f${i}.txt`), `${label} ${w} ${k} ${i}\n`)),
          );
          const name = `${label}-w${w}-${k}`;
          const logged = await untilSucceeds(async () => {
            const a = new Artifact({ name, type: "dataset" });
            a.addDir(dir);
            return run.logArtifact(a).result();
          });
          errors.push(...logged.errors);
          acked.push({
            name,
            digest: logged.value.artifact.digest,
            version: logged.value.artifact.version,
          });
          const upserted = await untilSucceeds(() =>
            client.trpc.artifacts.upsert.mutate({
              ...draftKey,
              entries: entriesUnder(pool, `w${w}/k${k}`, k % 400, (k % 400) + 5),
            }),
          );
          errors.push(...upserted.errors);
          ackedPages++;
        }
      });
      await sleep(2_000);
      const before = acked.length;
      await outage();
      await sleep(2_000);
      stop = true;
      await Promise.all(writers);

      // Every acknowledged log is there with the digest the client was told.
      let lost = 0;
      for (const ack of acked) {
        const got = await cairn.trpc.artifacts.get
          .query({ ...P, ref: `${ack.name}:${ack.version}` })
          .catch(() => null);
        if (got?.digest !== ack.digest) lost++;
      }
      const { value: finished } = await untilSucceeds(() =>
        cairn.trpc.artifacts.finish.mutate(draftKey),
      );
      const status = await waitForDraft(cairn, finished.draftId);
      const lostEntries = ackedPages * 5 - (status.version?.fileCount ?? 0);
      const unclear = errors.filter((m) => m.trim() === "" || /internal error/i.test(m));
      const figures = {
        logs: acked.length,
        logsDuringOrAfterOutage: acked.length - before,
        upserts: ackedPages,
        lostLogs: lost,
        lostEntries,
        failedCalls: errors.length,
        unclearErrors: unclear.length,
      };
      expect(status.status).toBe("finished");
      expect({ lost, lostEntries }).toEqual({ lost: 0, lostEntries: 0 });
      expect(unclear.slice(0, 3), `${unclear.length} failures without a clear message`).toEqual([]);
      return figures;
    }

    it("Redis SIGKILLed and restarted under steady load: acknowledged logs and upserts are not lost", async () => {
      const figures = await underLoad("redis", async () => {
        await env.redis.kill();
        await sleep(1_500);
        await env.redis.start();
      });
      reportFigure("redis-restart-under-load", { ...figures, redisDownMs: 1500, aof: "always" });
    });

    it("PostgreSQL connections cut for 3 s under steady load: acknowledged writes are not lost", async () => {
      const figures = await underLoad("pgcut", async () => {
        await env.pgProxy.cut(3_000);
        // A connection loss must not take the processes down (pg pools emit 'error' on idle clients).
        const server = env.server();
        expect(server.child.exitCode, server.output.join("").slice(-2000)).toBeNull();
        for (const worker of alive()) expect(worker.child.exitCode).toBeNull();
      });
      reportFigure("postgres-outage-under-load", { ...figures, postgresDownMs: 3000 });
    });
  },
);
