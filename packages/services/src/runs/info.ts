import { randomBytes } from "node:crypto";
import { CairnError } from "@cairn/core";
import type { JsonObject, Row } from "@cairn/db";

/** A run as every API answer describes it (JSON-safe: dates as ISO strings). */
export interface RunInfo {
  id: string;
  entity: string;
  project: string;
  jobType: string | null;
  group: string | null;
  sweep: string | null;
  name: string | null;
  config: JsonObject;
  summary: JsonObject;
  state: "running" | "finished" | "failed" | "crashed";
  createdAt: string;
  updatedAt: string;
}

/**
 * The `runs` table has no column for a run's display name yet, so it is kept in the config under
 * this reserved key and hidden from every answer. TODO(migration): a `runs.name` column; then
 * only {@link runNameOf} and {@link withRunName} change.
 */
export const RUN_NAME_CONFIG_KEY = "_cairn_run_name";

/** Run ids: chosen by clients (resume by id) or generated; safe in URLs and CLI arguments. */
const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const RUN_ID_ALLOWED =
  'A run id is 1–128 characters: letters, digits, "_", "-" and ".", starting with a letter or digit.';

/** Throws INVALID_INPUT unless `id` is a valid run id. */
export function validateRunId(id: string): string {
  if (!RUN_ID_RE.test(id)) {
    throw new CairnError(
      "INVALID_INPUT",
      `Invalid run id ${JSON.stringify(id)}. ${RUN_ID_ALLOWED}`,
      { details: { id } },
    );
  }
  return id;
}

// Lowercase base-36 like W&B's run ids: 8 characters ≈ 41 bits, plenty within one project
// (a collision is retried by the caller anyway).
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A short random run id (8 lowercase letters and digits). */
export function generateRunId(): string {
  let id = "";
  for (const byte of randomBytes(8)) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

/** Refuses user config that tries to set the reserved name key (it would rename the run). */
export function assertUserConfig(config: JsonObject | undefined): void {
  if (config && Object.hasOwn(config, RUN_NAME_CONFIG_KEY)) {
    throw new CairnError(
      "INVALID_INPUT",
      `The config key "${RUN_NAME_CONFIG_KEY}" is reserved by Cairn: rename it (set a run's name with the \`name\` field).`,
    );
  }
}

/** The display name stored in a config, if any. */
export function runNameOf(config: JsonObject): string | null {
  const name = config[RUN_NAME_CONFIG_KEY];
  return typeof name === "string" ? name : null;
}

/** A config object carrying `name` (unchanged when `name` is undefined). */
export function withRunName(config: JsonObject, name: string | null | undefined): JsonObject {
  if (name === undefined || name === null) return config;
  return { ...config, [RUN_NAME_CONFIG_KEY]: name };
}

/** Converts a `runs` row to its API form. */
export function toRunInfo(row: Row<"runs">, entity: string, project: string): RunInfo {
  const { [RUN_NAME_CONFIG_KEY]: _name, ...config } = row.config;
  return {
    id: row.id,
    entity,
    project,
    jobType: row.job_type,
    group: row.group_name,
    sweep: row.sweep,
    name: runNameOf(row.config),
    config,
    summary: row.summary,
    state: row.state,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
