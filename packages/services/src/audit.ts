import type { Database, JsonObject } from "@cairn/db";
import type { Kysely, Transaction } from "kysely";
import { emitAuditEvents } from "./events/audit-events.js";

/** One audit-log record: alias moves and removals, deletions, visibility changes. */
export interface AuditRecord {
  actorId: string | null;
  projectId: string;
  action:
    | "alias.set"
    | "alias.move"
    | "alias.remove"
    | "version.delete"
    | "version.expire"
    | "project.visibility";
  collection?: string;
  alias?: string;
  fromVersion?: string | null;
  toVersion?: string | null;
  details?: JsonObject;
}

/**
 * Appends audit records (in the caller's transaction, so they commit with the change) and emits
 * the events they announce (alias moves, deletions, expiries) into the outbox in that transaction.
 */
export async function recordAudit(
  db: Kysely<Database> | Transaction<Database>,
  records: readonly AuditRecord[],
): Promise<void> {
  if (records.length === 0) return;
  await db
    .insertInto("audit_log")
    .values(
      records.map((r) => ({
        actor_entity_id: r.actorId,
        project_id: r.projectId,
        action: r.action,
        collection: r.collection ?? null,
        alias: r.alias ?? null,
        from_version: r.fromVersion ?? null,
        to_version: r.toVersion ?? null,
        details: JSON.stringify(r.details ?? {}),
      })),
    )
    .execute();
  await emitAuditEvents(db, records);
}
