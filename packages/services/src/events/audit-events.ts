import { parseVersionAlias } from "@cairn/core";
import type { Database } from "@cairn/db";
import type { Kysely, Transaction } from "kysely";
import type { AuditRecord } from "../audit.js";
import { type EventDraft, emitEvents, type VersionMention } from "./emit.js";

function mention(label: string | null | undefined): VersionMention | null {
  if (label === null || label === undefined) return null;
  const number = parseVersionAlias(label);
  return number === undefined ? null : { number };
}

/** The event an audit record announces, if any (visibility changes are not events). */
function eventOf(record: AuditRecord): EventDraft | null {
  if (record.collection === undefined) return null;
  const name = record.collection;
  switch (record.action) {
    case "alias.set":
    case "alias.move":
    case "alias.remove":
      return {
        kind: "alias.moved",
        name,
        alias: record.alias ?? "",
        from: mention(record.fromVersion),
        to: record.action === "alias.remove" ? null : mention(record.toVersion),
      };
    case "version.delete":
    case "version.expire": {
      const version = mention(record.fromVersion);
      if (version === null) return null;
      return {
        kind: record.action === "version.delete" ? "version.deleted" : "version.expired",
        name,
        version,
      };
    }
    default:
      return null;
  }
}

/**
 * Emits the events that audit records announce — alias moves and removals, deletions, expiries —
 * in the same transaction: every change that is audit-logged is also published, with no second
 * list of call sites to keep in step. Records of one call share a project and an actor.
 */
export async function emitAuditEvents(
  trx: Kysely<Database> | Transaction<Database>,
  records: readonly AuditRecord[],
): Promise<void> {
  const first = records[0];
  if (first === undefined) return;
  const drafts = records.map(eventOf).filter((d): d is EventDraft => d !== null);
  if (drafts.length === 0) return;
  await emitEvents(trx, { projectId: first.projectId, actorId: first.actorId }, drafts);
}
