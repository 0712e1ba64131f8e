import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFsBlobStore, isPackedStore, type PackedBlobStore } from "@cairn/blobs";
import { createPackIndex, createTestDatabase, type TestDatabase } from "@cairn/db";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, expect, it } from "vitest";
import { reportFigure, trialCount } from "./figures.js";
import { REPO_ROOT } from "./processes.js";

const TRIALS = trialCount(50);

/** Runs pack-child.ts until `killAfterMs` after it is ready, then SIGKILLs it; returns its lines. */
async function runAndKill(
  root: string,
  database: TestDatabase,
  mode: "write" | "compact",
  killAfterMs: number,
): Promise<string[]> {
  const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const child = spawn(
    process.execPath,
    [
      "--conditions=@cairn/source",
      "--import",
      "tsx",
      join(REPO_ROOT, "tests/faults/pack-child.ts"),
      root,
      url,
      database.schema!,
      mode,
    ],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(String(signal ?? code))),
  );
  const ready = await Promise.race([
    (async () => {
      while (!out.includes("READY")) await new Promise((r) => setTimeout(r, 10));
      return true;
    })(),
    exited.then(() => false),
  ]);
  if (!ready) throw new Error(`pack-child exited before it was ready:\n${err}`);
  await new Promise((r) => setTimeout(r, killAfterMs));
  child.kill("SIGKILL");
  const how = await exited;
  if (how !== "SIGKILL") throw new Error(`pack-child ended by ${how}, not SIGKILL:\n${err}`);
  return out.split("\n");
}

/** Every blob that must be stored, read back through one store and verified by SHA-256. */
async function verifyAll(store: PackedBlobStore, digests: string[]): Promise<number> {
  let bad = 0;
  for (let i = 0; i < digests.length; i += 500) {
    const batch = digests.slice(i, i + 500);
    const bytes = await store.getMany(batch);
    for (const [j, digest] of batch.entries()) {
      if (createHash("sha256").update(bytes[j]!).digest("hex") !== digest) bad++;
    }
  }
  return bad;
}

await describeWithServices(
  ["postgres"],
  "faults: SIGKILL during pack writes and compactions",
  () => {
    let database: TestDatabase;
    let root: string;
    beforeAll(async () => {
      database = await createTestDatabase("postgres");
      root = await mkdtemp(join(tmpdir(), "cairn-pack-crash-"));
    });
    afterAll(async () => {
      await database?.cleanup();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it(`loses no acknowledged blob over ${TRIALS} kills; torn tails and orphans are reclaimed`, async () => {
      const mustExist = new Set<string>();
      let acked = 0;
      let lost = 0;
      let corrupt = 0;
      let tornTails = 0;
      let orphans = 0;
      let moved = 0;
      const started = Date.now();
      for (let trial = 0; trial < TRIALS; trial++) {
        const mode = trial % 2 === 0 ? "write" : "compact";
        const lines = await runAndKill(root, database, mode, 100 + Math.floor(Math.random() * 900));
        for (const line of lines) {
          const [kind, digest] = line.split(" ");
          if (kind === "ACK" && digest) {
            mustExist.add(digest);
            acked++;
          }
          if (kind === "DEL" && digest) mustExist.delete(digest); // may or may not be gone
        }
        // Recovery, as a restarted server does it: open the store, read everything, compact.
        const index = createPackIndex(database.db);
        const store = createFsBlobStore({ root, packIndex: index });
        if (!isPackedStore(store)) throw new Error("expected a packed store");
        for (const pack of await index.packs()) {
          const size = (await stat(join(root, "packs", `${pack.packId}.pack`)).catch(() => null))
            ?.size;
          if (size !== undefined && size > pack.bytes) tornTails++;
          // The index never points past what was durable.
          expect(size ?? 0).toBeGreaterThanOrEqual(pack.bytes);
        }
        const digests = [...mustExist];
        const found = await index.lookup(digests);
        lost += digests.filter((d) => !found.has(d)).length;
        corrupt += await verifyAll(
          store,
          digests.filter((d) => found.has(d)),
        );
        const compaction = await store.packs.compact({
          graceMs: 0,
          now: new Date(Date.now() + 60_000),
          openPackIdleMs: 0,
        });
        orphans += compaction.orphansDeleted;
        moved += compaction.recordsMoved;
        corrupt += await verifyAll(
          store,
          digests.filter((d) => found.has(d)),
        );
        await store.packs.close();
        // After recovery no pack has bytes past its durable length.
        for (const pack of await index.packs()) {
          const size = (await stat(join(root, "packs", `${pack.packId}.pack`)).catch(() => null))
            ?.size;
          expect(size).toBe(pack.bytes);
        }
      }
      reportFigure("pack-crash", {
        trials: TRIALS,
        seconds: Math.round((Date.now() - started) / 1000),
        acknowledged: acked,
        lost,
        corrupt,
        tornTailsSeen: tornTails,
        orphanPacksReclaimed: orphans,
        recordsMovedByRecovery: moved,
      });
      expect(acked).toBeGreaterThan(TRIALS);
      expect(lost).toBe(0);
      expect(corrupt).toBe(0);
    }, 1_200_000);
  },
);
