import { expiryDecision, formatVersionAlias } from "@cairn/core";
import { recordAudit } from "../audit.js";
import { nowOf, type ServiceDeps } from "../deps.js";

/** Versions examined per page of the sweep. */
const PAGE = 500;

/** What one TTL sweep did. */
export interface TtlExpiryResult {
  /** Versions marked deleted. */
  expired: number;
  /** Expired versions kept because aliases still point at them (the alias guard). */
  blocked: Array<{ versionId: string; name: string; version: string; aliases: string[] }>;
}

/**
 * The `ttl-expiry` job: every committed version whose `expires_at` is at or before `now` is
 * decided with core's `expiryDecision`: deleted (state `deleted`, audit `version.expire`), or kept
 * and reported when aliases still point at it. Each version is re-checked under its row lock, so
 * an alias set or a TTL changed during the sweep wins. Its files become garbage for `blob-gc` once
 * no other version or draft references them.
 */
export async function expireVersions(
  deps: ServiceDeps,
  payload: { now?: string | undefined },
): Promise<TtlExpiryResult> {
  const now = payload.now === undefined ? nowOf(deps) : new Date(payload.now);
  const result: TtlExpiryResult = { expired: 0, blocked: [] };
  let after = "";
  for (;;) {
    const page = await deps.db
      .selectFrom("versions")
      .select("id")
      .where("state", "=", "committed")
      .where("expires_at", "<=", now)
      .where("id", ">", after)
      .orderBy("id")
      .limit(PAGE)
      .execute();
    for (const { id } of page) await expireOne(deps, id, now, result);
    if (page.length < PAGE) return result;
    after = page[page.length - 1]?.id ?? after;
  }
}

async function expireOne(
  deps: ServiceDeps,
  versionId: string,
  now: Date,
  result: TtlExpiryResult,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const version = await trx
      .selectFrom("versions")
      .innerJoin("collections", "collections.id", "versions.collection_id")
      .select([
        "versions.id",
        "versions.number",
        "versions.expires_at",
        "versions.state",
        "collections.name",
        "collections.project_id",
      ])
      .where("versions.id", "=", versionId)
      .forUpdate()
      .executeTakeFirst();
    if (version?.state !== "committed") return;
    const aliases = (
      await trx
        .selectFrom("aliases")
        .select("alias")
        .where("version_id", "=", versionId)
        .orderBy("alias")
        .execute()
    ).map((a) => a.alias);
    const decision = expiryDecision({ version: { expiresAt: version.expires_at, aliases }, now });
    const label = formatVersionAlias(version.number);
    if (decision === "blocked-by-aliases") {
      result.blocked.push({ versionId, name: version.name, version: label, aliases });
      return;
    }
    if (decision !== "delete") return;
    await trx
      .updateTable("versions")
      .set({ state: "deleted", deleted_at: now, updated_at: now })
      .where("id", "=", versionId)
      .execute();
    await recordAudit(trx, [
      {
        actorId: null,
        projectId: version.project_id,
        action: "version.expire",
        collection: version.name,
        fromVersion: label,
        details: { expiresAt: version.expires_at?.toISOString() ?? null },
      },
    ]);
    result.expired += 1;
  });
}
