import { existsSync } from "node:fs";
import { mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cairn } from "@cairn/client";
import { isCairnError } from "@cairn/core";
import { expect, it } from "vitest";
import { describeOnEngines, secret, unique, type World } from "./harness.js";

/** A client for `who` with its own cache in a fresh temp dir. */
async function clientOf(w: World, key: string, entity: string, project: string) {
  const dir = await mkdtemp(join(tmpdir(), "cairn-security-client-"));
  const cairn = new Cairn({
    baseUrl: w.server.baseUrl,
    apiKey: key,
    entity,
    project,
    env: {},
    configPath: join(dir, "none.json"),
    cacheDir: join(dir, "cache"),
  });
  return { cairn, dir };
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

await describeOnEngines(
  "security: a malicious server or database, and other local users",
  (world) => {
    it("finding 5: a hostile manifest path is refused before any write", async () => {
      const w = world();
      const entry = await w.upload(w.alice, w.alice.name, "private", secret(20));
      const name = unique("evil");
      const logged = await w.ok(w.alice, "artifacts.log", {
        entity: w.alice.name,
        project: "private",
        name,
        type: "d",
        entries: [{ ...entry, path: "inner/evil.txt" }],
      });
      // A tampered database (or a malicious server) now serves `../../evil.txt`.
      const db = w.server.services.deps.db;
      const version = await db
        .selectFrom("versions")
        .select("manifest_id")
        .where("id", "=", logged.version.id)
        .executeTakeFirstOrThrow();
      await db
        .updateTable("manifest_entries")
        .set({ path: "../../evil.txt" })
        .where("manifest_id", "=", version.manifest_id)
        .execute();
      const { cairn, dir } = await clientOf(w, w.alice.key, w.alice.name, "private");
      const root = join(dir, "a", "b", "download");
      const artifact = await cairn.api().artifact(`${w.alice.name}/private/${name}:latest`);
      const error = await artifact.download({ root }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCairnError(error, "INVALID_PATH")).toBe(true);
      expect(existsSync(join(root, "..", "..", "evil.txt"))).toBe(false);
      expect(existsSync(join(dir, "a", "evil.txt"))).toBe(false);
      expect(existsSync(root)).toBe(false);
    });

    it("finding 12: blob directories are 0700 and blob files 0600 on the server", async () => {
      const w = world();
      const location = w.server.blobLocation;
      if (location.kind !== "fs") throw new Error("expected the directory store");
      const entry = await w.upload(w.bob, w.bob.name, "mine", secret(30));
      const shard1 = join(location.root, entry.digest.slice(0, 2));
      const shard2 = join(shard1, entry.digest.slice(2, 4));
      expect(await modeOf(shard1)).toBe(0o700);
      expect(await modeOf(shard2)).toBe(0o700);
      expect(await modeOf(join(shard2, entry.digest))).toBe(0o600);
      expect(await modeOf(join(location.root, "tmp"))).toBe(0o700);
    });

    it("finding 12: the client cache is 0700 with read-only 0400 blobs", async () => {
      const w = world();
      const entry = await w.upload(w.bob, w.bob.name, "mine", secret(31));
      const name = unique("cached");
      await w.ok(w.bob, "artifacts.log", {
        entity: w.bob.name,
        project: "mine",
        name,
        type: "d",
        entries: [entry],
      });
      const { cairn, dir } = await clientOf(w, w.bob.key, w.bob.name, "mine");
      const artifact = await cairn.api().artifact(`${w.bob.name}/mine/${name}:latest`);
      await artifact.download({ root: join(dir, "out") });
      const cache = join(dir, "cache");
      const found: string[] = [];
      const walk = async (path: string): Promise<void> => {
        for (const item of await readdir(path, { withFileTypes: true })) {
          const child = join(path, item.name);
          if (item.isDirectory()) {
            expect(await modeOf(child), child).toBe(0o700);
            await walk(child);
          } else if (child.includes(entry.digest.slice(2))) {
            found.push(child);
            expect(await modeOf(child), child).toBe(0o400);
          }
        }
      };
      await walk(cache);
      expect(found.length).toBeGreaterThan(0);
    });
  },
);
