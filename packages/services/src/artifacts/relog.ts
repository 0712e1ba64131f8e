import { assertSameType, validateArtifactName, validateArtifactType } from "@cairn/core";
import type { Actor } from "../actor.js";
import type { ServiceDeps } from "../deps.js";
import { resolveProject } from "../projects/access.js";
import { applyAliasMoves } from "./commit-version.js";
import type { RelogInput, RelogResult } from "./relog-types.js";
import { loadVersionInfo } from "./version-info.js";

/**
 * The unchanged re-log fast path: when a committed version of this artifact (same type) already
 * has exactly `digest`, moves `latest` and the requested aliases to it and records the run's
 * "logged" edge, without the client sending its entries or asking which blobs are missing.
 * Anything else (no such artifact or version yet) answers `{ version: null }`, so the client
 * falls back to `blobs.missing` + `artifacts.log`. Owning the blobs needs no check: the version
 * was committed in this project, which proved ownership then.
 *
 * Tags are accepted for parity with `artifacts.log`, whose identical-contents path also leaves an
 * existing version's tags unchanged.
 */
export async function relogArtifact(
  deps: ServiceDeps,
  actor: Actor | null,
  input: RelogInput,
): Promise<RelogResult> {
  const project = await resolveProject(deps.db, actor, input, "write");
  const name = validateArtifactName(input.name);
  const type = validateArtifactType(input.type);
  const hit = await deps.db.transaction().execute(async (trx) => {
    // Locked like commitVersion does, so alias moves of concurrent commits to one artifact take
    // turns and `latest` ends on whichever committed last.
    const collection = await trx
      .selectFrom("collections")
      .select(["id", "type"])
      .where("project_id", "=", project.id)
      .where("name", "=", name)
      .forUpdate()
      .executeTakeFirst();
    if (!collection) return null;
    assertSameType({ name, existingType: collection.type, requestedType: type });
    const version = await trx
      .selectFrom("versions")
      .select(["id", "number"])
      .where("collection_id", "=", collection.id)
      .where("digest", "=", input.digest)
      .where("state", "=", "committed")
      .executeTakeFirst();
    if (!version) return null;
    if (input.runId !== undefined) {
      const run = await trx
        .selectFrom("runs")
        .select("id")
        .where("project_id", "=", project.id)
        .where("id", "=", input.runId)
        .executeTakeFirst();
      // An unknown run is the full path's error to report (with its message); miss here.
      if (!run) return null;
    }
    await applyAliasMoves(trx, {
      project,
      collectionId: collection.id,
      collectionName: name,
      target: { versionId: version.id, number: version.number },
      requested: input.aliases ?? [],
      addLatest: true,
      actorId: actor?.userId ?? null,
    });
    if (input.runId !== undefined) {
      await trx
        .insertInto("run_logged_version")
        .values({ project_id: project.id, run_id: input.runId, version_id: version.id })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    return version.id;
  });
  if (hit === null) return { version: null };
  return { version: await loadVersionInfo(deps.db, hit), created: false };
}
