import { CairnError, validateEntityName } from "@cairn/core";
import type { Database } from "@cairn/db";
import type { Kysely, Transaction } from "kysely";
import { SITE_ADMINS_TEAM } from "../actor.js";
import { generateApiKey } from "./api-keys.js";

/** A database handle or an open transaction: the helpers below run inside either. */
export type Db = Kysely<Database> | Transaction<Database>;

/** Longest accepted API key label (labels are for humans: "laptop", "ci-runner"). */
export const MAX_API_KEY_LABEL_LENGTH = 200;

/** A key as issued: the full `key` is returned to the caller once and never stored. */
export interface IssuedApiKey {
  id: string;
  key: string;
  label: string | null;
}

/**
 * Creates an API key for `entityId` and stores only its key id (`prefix`) and hash. A random
 * 12-character key id collides with probability ~2^-60, but the unique `prefix` column would
 * turn that into an opaque error, so we retry on conflict instead.
 */
export async function issueApiKey(
  db: Db,
  entityId: string,
  label: string | null | undefined,
): Promise<IssuedApiKey> {
  const cleanLabel = normalizeLabel(label);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const generated = generateApiKey();
    const row = await db
      .insertInto("api_keys")
      .values({
        entity_id: entityId,
        prefix: generated.prefix,
        hash: generated.hash,
        label: cleanLabel,
      })
      .onConflict((oc) => oc.column("prefix").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (row) return { id: row.id, key: generated.key, label: cleanLabel };
  }
  throw new CairnError(
    "UNAVAILABLE",
    "Could not allocate a unique API key id after 3 tries: retry the request.",
  );
}

function normalizeLabel(label: string | null | undefined): string | null {
  if (label === undefined || label === null) return null;
  const trimmed = label.trim();
  if (trimmed.length === 0) return null;
  if (trimmed.length > MAX_API_KEY_LABEL_LENGTH) {
    throw new CairnError(
      "INVALID_INPUT",
      `API key label is ${trimmed.length} characters long: use at most ${MAX_API_KEY_LABEL_LENGTH} (e.g. "laptop" or "ci").`,
    );
  }
  return trimmed;
}

/**
 * Validates a new entity (user or team) name: the entity-name rules of core, and never the
 * reserved site-admins team, whose members are site admins (creating it would grant that).
 */
export function validateNewEntityName(name: string): string {
  validateEntityName(name);
  if (name === SITE_ADMINS_TEAM) {
    throw new CairnError(
      "CONFLICT",
      `"${SITE_ADMINS_TEAM}" is reserved for the site administrators' team: choose another name.`,
    );
  }
  return name;
}

/**
 * Inserts an entity; throws CONFLICT when the name is taken by any user or team (they share one
 * namespace because both own projects addressed as `<entity>/<project>`).
 */
export async function insertEntity(
  db: Db,
  kind: "user" | "team",
  name: string,
): Promise<{ id: string; name: string; createdAt: Date }> {
  const row = await db
    .insertInto("entities")
    .values({ kind, name })
    .onConflict((oc) => oc.column("name").doNothing())
    .returning(["id", "name", "created_at"])
    .executeTakeFirst();
  if (!row) {
    throw new CairnError(
      "CONFLICT",
      `The name "${name}" is already taken by a user or team: users and teams share one namespace, choose another name.`,
      { details: { name } },
    );
  }
  return { id: row.id, name: row.name, createdAt: row.created_at };
}
