import { sql as init } from "./0001-init.js";
import { sql as settings } from "./0002-settings.js";
import { sql as draftFinish } from "./0003-draft-finish.js";
import { sql as trust } from "./0004-trust.js";
import { sql as seeds } from "./0005-seeds.js";
import { sql as packs } from "./0006-packs.js";
import { sql as events } from "./0007-events.js";
import { sql as eventHorizon } from "./0011-automations-event-horizon.js";

/** One schema change: applied once, in `id` order, inside its own transaction. */
export interface Migration {
  /** Sorts the migrations; never renamed once released. */
  readonly id: string;
  /** Statements separated by `;` at the end of a line (see `splitStatements`). */
  readonly sql: string;
}

/**
 * Every migration, oldest first. Append only: an applied migration must never change (its
 * checksum is recorded and checked), so a schema change is always a new file.
 */
export const MIGRATIONS: readonly Migration[] = [
  { id: "0001-init", sql: init },
  { id: "0002-settings", sql: settings },
  { id: "0003-draft-finish", sql: draftFinish },
  { id: "0004-trust", sql: trust },
  { id: "0005-seeds", sql: seeds },
  { id: "0006-packs", sql: packs },
  { id: "0007-events", sql: events },
  { id: "0011-automations-event-horizon", sql: eventHorizon },
];
