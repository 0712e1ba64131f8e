import { CairnError, isCairnError } from "@cairn/core";
import type { JsonObject } from "@cairn/db";
import { sql } from "kysely";
import { type Actor, requireActor } from "../actor.js";
import { nowOf, type ServiceDeps } from "../deps.js";
import { type AccessibleProject, type ProjectRef, resolveProject } from "../projects/access.js";
import { resolveProjectCreatingOnFirstUse } from "../projects/on-first-use.js";
import {
  assertUserConfig,
  generateRunId,
  type RunInfo,
  toRunInfo,
  validateRunId,
  withRunName,
} from "./info.js";
import { type ListRunsQuery, listRuns } from "./list.js";

/** How `runs.init` treats an existing run id (W&B's `resume`). */
export type ResumeMode = "never" | "allow" | "must";

/** Input of `runs.init`. */
export interface InitRunInput extends ProjectRef {
  /** Omitted: the server generates a short random id (not allowed with `resume: "must"`). */
  id?: string | undefined;
  /** `never` (default): the id must be new; `must`: it must exist; `allow`: either. */
  resume?: ResumeMode | undefined;
  /** Needed to create a run; a resumed run keeps its own (and ignores one given). */
  jobType?: string | undefined;
  group?: string | undefined;
  sweep?: string | undefined;
  name?: string | undefined;
  config?: JsonObject | undefined;
}

/** Largest accepted `config` or `summary` update, as JSON text (metrics, not data). */
export const MAX_RUN_PAYLOAD_BYTES = 1024 * 1024;

function assertPayload(what: "config" | "summary", value: JsonObject | undefined): void {
  if (value === undefined) return;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CairnError(
      "INVALID_INPUT",
      `A run's ${what} must be a JSON object of keys to values.`,
    );
  }
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > MAX_RUN_PAYLOAD_BYTES) {
    throw new CairnError(
      "PAYLOAD_TOO_LARGE",
      `This ${what} update is ${bytes} bytes of JSON, more than ${MAX_RUN_PAYLOAD_BYTES}: log large data as an artifact instead.`,
    );
  }
}

function runNotFound(project: AccessibleProject, id: string): CairnError {
  return new CairnError(
    "NOT_FOUND",
    `Run ${id} was not found in ${project.entityName}/${project.name}: check the id, or start it with runs.init (resume "never" or "allow").`,
    { details: { entity: project.entityName, project: project.name, id } },
  );
}

/**
 * Runs: creation and resumption by id, summary/config updates (shallow merge), state, and
 * listings filtered by group/sweep/job type and sorted by a summary metric in SQL.
 */
export function createRunsService(deps: ServiceDeps) {
  const { db } = deps;

  /** Sets a run back to running (and merges config/name): the `resume` path of init. */
  async function resume(
    project: AccessibleProject,
    input: InitRunInput,
    id: string,
  ): Promise<RunInfo> {
    const configPatch = withRunName(input.config ?? {}, input.name);
    const row = await db
      .updateTable("runs")
      .set({
        state: "running",
        updated_at: nowOf(deps),
        config: sql`config || ${JSON.stringify(configPatch)}::jsonb`,
      })
      .where("project_id", "=", project.id)
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw runNotFound(project, id);
    return toRunInfo(row, project.entityName, project.name);
  }

  /** Inserts a new run; null when the id exists already. */
  async function insert(project: AccessibleProject, me: Actor, input: InitRunInput, id: string) {
    const jobType = input.jobType;
    if (jobType === undefined || jobType.length === 0) {
      throw new CairnError(
        "INVALID_INPUT",
        input.id === undefined
          ? 'A new run needs a jobType (e.g. "train", "eval" or "preprocess"): pass { jobType }.'
          : `Run ${id} does not exist in ${project.entityName}/${project.name}, so it would be created, and a new run needs a jobType (e.g. "train"): pass { jobType }, or check the id.`,
        { details: { field: "jobType" } },
      );
    }
    const now = nowOf(deps);
    const row = await db
      .insertInto("runs")
      .values({
        project_id: project.id,
        id,
        job_type: jobType,
        group_name: input.group ?? null,
        sweep: input.sweep ?? null,
        config: JSON.stringify(withRunName(input.config ?? {}, input.name)),
        created_by: me.userId,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(["project_id", "id"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ? toRunInfo(row, project.entityName, project.name) : null;
  }

  return {
    /**
     * Starts or resumes a run. `never` + existing id → CONFLICT; `must` + missing → NOT_FOUND;
     * `allow` → resumes when the id exists, else creates. Resuming sets the state back to
     * `running` and shallow-merges the given config.
     */
    async init(actor: Actor | null, input: InitRunInput): Promise<RunInfo> {
      const me = requireActor(actor, "start runs");
      const mode = input.resume ?? "never";
      if (mode !== "never" && mode !== "allow" && mode !== "must") {
        throw new CairnError(
          "INVALID_INPUT",
          `Unknown resume mode "${String(mode)}": use "never", "allow" or "must".`,
        );
      }
      if (input.id !== undefined) validateRunId(input.id);
      if (mode === "must" && input.id === undefined) {
        throw new CairnError(
          "INVALID_INPUT",
          'resume "must" needs the id of the run to resume: pass `id`.',
        );
      }
      assertUserConfig(input.config);
      assertPayload("config", input.config);
      const project = await resolveProjectCreatingOnFirstUse(db, me, input);
      if (mode === "must") return resume(project, input, input.id as string);
      if (input.id === undefined) {
        // A generated id colliding is astronomically rare; retrying keeps it invisible.
        for (let attempt = 0; attempt < 5; attempt += 1) {
          const created = await insert(project, me, input, generateRunId());
          if (created) return created;
        }
        throw new CairnError("UNAVAILABLE", "Could not allocate a unique run id: retry.");
      }
      if (mode === "allow" && !input.jobType) {
        // Resume by id alone: only creating the run would need its jobType.
        const resumed = await resume(project, input, input.id).catch((error: unknown) => {
          if (isCairnError(error, "NOT_FOUND")) return null;
          throw error;
        });
        if (resumed) return resumed;
      }
      const created = await insert(project, me, input, input.id);
      if (created) return created;
      if (mode === "allow") return resume(project, input, input.id);
      throw new CairnError(
        "CONFLICT",
        `Run ${input.id} already exists in ${project.entityName}/${project.name}: pass resume "allow" or "must" to continue it, or omit the id for a new run.`,
        { details: { id: input.id } },
      );
    },

    /** Shallow-merges `summary` and `config` into a run (write access). */
    async update(
      actor: Actor | null,
      input: ProjectRef & {
        id: string;
        summary?: JsonObject | undefined;
        config?: JsonObject | undefined;
      },
    ): Promise<RunInfo> {
      const me = requireActor(actor, "update runs");
      validateRunId(input.id);
      assertUserConfig(input.config);
      assertPayload("config", input.config);
      assertPayload("summary", input.summary);
      const project = await resolveProject(db, me, input, "write");
      // `||` on jsonb is a shallow merge done by the database, so concurrent updates of
      // different keys from many workers never overwrite each other.
      const row = await db
        .updateTable("runs")
        .set({
          updated_at: nowOf(deps),
          summary: sql`summary || ${JSON.stringify(input.summary ?? {})}::jsonb`,
          config: sql`config || ${JSON.stringify(input.config ?? {})}::jsonb`,
        })
        .where("project_id", "=", project.id)
        .where("id", "=", input.id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw runNotFound(project, input.id);
      return toRunInfo(row, project.entityName, project.name);
    },

    /** Marks a run finished or failed (write access). */
    async finish(
      actor: Actor | null,
      input: ProjectRef & { id: string; state: "finished" | "failed" },
    ): Promise<RunInfo> {
      const me = requireActor(actor, "finish runs");
      validateRunId(input.id);
      if (input.state !== "finished" && input.state !== "failed") {
        throw new CairnError(
          "INVALID_INPUT",
          `A run finishes as "finished" or "failed", not "${String(input.state)}".`,
        );
      }
      const project = await resolveProject(db, me, input, "write");
      const row = await db
        .updateTable("runs")
        .set({ state: input.state, updated_at: nowOf(deps) })
        .where("project_id", "=", project.id)
        .where("id", "=", input.id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw runNotFound(project, input.id);
      return toRunInfo(row, project.entityName, project.name);
    },

    /** One run (read access). */
    async get(actor: Actor | null, input: ProjectRef & { id: string }): Promise<RunInfo> {
      validateRunId(input.id);
      const project = await resolveProject(db, actor, input, "read");
      const row = await db
        .selectFrom("runs")
        .selectAll()
        .where("project_id", "=", project.id)
        .where("id", "=", input.id)
        .executeTakeFirst();
      if (!row) throw runNotFound(project, input.id);
      return toRunInfo(row, project.entityName, project.name);
    },

    /** A page of a project's runs, filtered and ordered in SQL (read access). */
    async list(
      actor: Actor | null,
      input: ProjectRef & ListRunsQuery,
    ): Promise<{ runs: RunInfo[]; nextCursor: string | null }> {
      const project = await resolveProject(db, actor, input, "read");
      return listRuns(
        db,
        { id: project.id, entity: project.entityName, name: project.name },
        input,
      );
    },
  };
}

/** The runs service. */
export type RunsService = ReturnType<typeof createRunsService>;
