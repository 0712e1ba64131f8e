import type { ManifestEntry, ProjectVisibility } from "@cairn/core";
import { expectCode } from "@cairn/vitest-config/expect-code";
import type { Actor } from "../actor.js";
import { createTestServices, type TestServices } from "../testing/test-services.js";
import type { VersionInfo } from "./version-info.js";

export { expectCode };

/** Services on real engines, with an owner `alice`, an outsider `bob` and a team member `carol`. */
export interface ArtifactWorld {
  t: TestServices;
  alice: Actor;
  bob: Actor;
  /** Member (not admin) of team `lab`, which owns `lab/shared`. */
  carol: Actor;
  /** Uploads `content` as `owner` (default alice) and returns a file entry at `path`. */
  file(path: string, content: string, owner?: Actor): Promise<ManifestEntry>;
  /** Logs a version of `name` in `alice/<project>` (type dataset unless given). */
  log(
    project: string,
    name: string,
    entries: ManifestEntry[],
    extra?: {
      type?: string;
      aliases?: string[];
      runId?: string;
      ttl?: string;
      as?: Actor;
      entity?: string;
    },
  ): Promise<VersionInfo>;
  /** Creates `alice/<name>` with a visibility. */
  project(name: string, visibility?: ProjectVisibility): Promise<string>;
  /** Sets a project's protected aliases directly in the database. */
  protect(projectId: string, aliases: string[]): Promise<void>;
  close(): Promise<void>;
}

/** A reference entry (no bytes to upload) — handy for big manifests. */
export function refEntry(
  path: string,
  digest = `etag-${path}`,
  size: number | null = 10,
): ManifestEntry {
  return { path, digest, size, ref: `s3://bucket/${path}` };
}

/** Builds an {@link ArtifactWorld} on `kind`. */
export async function createArtifactWorld(kind: "pglite" | "postgres"): Promise<ArtifactWorld> {
  const t = await createTestServices(kind);
  const alice = await t.user("alice");
  const bob = await t.user("bob");
  const carol = await t.user("carol");
  const { db } = t.services.deps;
  const team = await db
    .insertInto("entities")
    .values({ kind: "team", name: "lab" })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("memberships")
    .values({ entity_id: team.id, user_id: carol.userId, role: "member" })
    .execute();
  await db
    .insertInto("memberships")
    .values({ entity_id: team.id, user_id: alice.userId, role: "admin" })
    .execute();
  await t.project(team.id, "shared");
  return {
    t,
    alice,
    bob,
    carol,
    async file(path, content, owner = alice) {
      const { digest, size } = await t.upload(owner.userId, content);
      return { path, digest, size };
    },
    async log(project, name, entries, extra = {}) {
      const result = await t.services.artifacts.log(extra.as ?? alice, {
        entity: extra.entity ?? "alice",
        project,
        name,
        type: extra.type ?? "dataset",
        entries,
        ...(extra.aliases ? { aliases: extra.aliases } : {}),
        ...(extra.runId ? { runId: extra.runId } : {}),
        ...(extra.ttl ? { ttl: extra.ttl } : {}),
      });
      return result.version;
    },
    async project(name, visibility = "private") {
      return (await t.project(alice.userId, name, visibility)).id;
    },
    async protect(projectId, aliases) {
      await db
        .updateTable("projects")
        .set({ protected_aliases: aliases })
        .where("id", "=", projectId)
        .execute();
    },
    close: () => t.close(),
  };
}
