import { CairnError, type CairnEvent, formatReference, qualifyReference } from "@cairn/core";
import type {
  ProjectInfo,
  ProjectRef,
  RouterInputs,
  RouterOutputs,
} from "../transport/router-types.js";
import type { ClientContext } from "./context.js";
import { type EventsOptions, streamEvents } from "./event-stream.js";
import { loadLoggedArtifact } from "./load-version.js";
import type { LoggedArtifact } from "./logged-artifact.js";
import { Run } from "./run.js";

/** Filters of `api.runs()`. */
export interface RunsQuery {
  entity?: string;
  project?: string;
  group?: string;
  sweep?: string;
  jobType?: string;
  /** `-summary.val_acc` (descending by a summary metric), `createdAt`, … */
  orderBy?: string;
  /** Most runs to return (all pages are read up to this). Default 100. */
  limit?: number;
}

/** The result of `api.diff(a, b)`. */
export type ArtifactDiff = RouterOutputs["artifacts"]["diff"];

/**
 * Queries outside a run: fetch versions, list and sort runs, diff versions, manage projects.
 * Short references resolve in the client's default entity and project.
 */
export class Api {
  readonly #ctx: ClientContext;

  /** @internal Created by `cairn.api()`. */
  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /**
   * The version `ref` names (`name:alias`, `project/name:vN`, `entity/project/name:alias`).
   * `{ manifest: false }` skips fetching its entry list (one request per 10,000 entries): for a
   * partial `download({ prefix, include })` of a large version; `loadManifest()` fetches it later.
   */
  async artifact(ref: string, options: { manifest?: boolean } = {}): Promise<LoggedArtifact> {
    const selector = await this.#selector(ref);
    const info = await this.#ctx.call((t) => t.artifacts.get.query(selector));
    return loadLoggedArtifact(this.#ctx, info, options);
  }

  /**
   * The project's events (`version.created`, `alias.moved`, …) as they commit, oldest first from
   * `after`: an async iterator over the live stream that reconnects with `Last-Event-ID` and so
   * misses nothing. `for await (const e of cairn.api().events({ project: "vision" })) …`; stop
   * with `break` or `signal`.
   */
  async *events(options: EventsOptions = {}): AsyncGenerator<CairnEvent> {
    const ref = await this.#project(options);
    yield* streamEvents(this.#ctx, ref, options);
  }

  /** Runs of a project, filtered and sorted (e.g. the best of a sweep by `-summary.val_acc`). */
  async runs(query: RunsQuery = {}): Promise<Run[]> {
    const ref = await this.#project(query);
    const limit = query.limit ?? 100;
    const runs: Run[] = [];
    let cursor: string | undefined;
    do {
      const input: RouterInputs["runs"]["list"] = {
        ...ref,
        limit: Math.min(1000, limit - runs.length),
        ...(query.group === undefined ? {} : { group: query.group }),
        ...(query.sweep === undefined ? {} : { sweep: query.sweep }),
        ...(query.jobType === undefined ? {} : { jobType: query.jobType }),
        ...(query.orderBy === undefined ? {} : { orderBy: query.orderBy }),
        ...(cursor === undefined ? {} : { cursor }),
      };
      const page = await this.#ctx.call((t) => t.runs.list.query(input));
      for (const info of page.runs) runs.push(new Run(this.#ctx, info));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && runs.length < limit);
    return runs;
  }

  /** One run by id. */
  async run(id: string, where: { entity?: string; project?: string } = {}): Promise<Run> {
    const ref = await this.#project(where);
    return new Run(this.#ctx, await this.#ctx.call((t) => t.runs.get.query({ ...ref, id })));
  }

  /** Entries added, removed and changed from version `a` to version `b`. */
  async diff(a: string, b: string): Promise<ArtifactDiff> {
    const sa = await this.#selector(a);
    const sb = await this.#selector(b);
    return this.#ctx.call((t) =>
      t.artifacts.diff.query({
        entity: sa.entity,
        project: sa.project,
        a: sa.ref,
        b: `${sb.entity}/${sb.project}/${sb.ref}`,
      }),
    );
  }

  /** Projects the caller can read (optionally of one entity). */
  async projects(options: { entity?: string } = {}): Promise<ProjectInfo[]> {
    const result = await this.#ctx.call((t) =>
      t.projects.list.query(options.entity === undefined ? {} : { entity: options.entity }),
    );
    return result as ProjectInfo[];
  }

  /** Creates a project (entity defaults to the client's). */
  async createProject(options: {
    name: string;
    entity?: string;
    visibility?: "private" | "public" | "open";
    description?: string;
  }): Promise<ProjectInfo> {
    const entity = options.entity ?? (await this.#ctx.defaults()).entity;
    return this.#ctx.call((t) =>
      t.projects.create.mutate({
        entity,
        name: options.name,
        ...(options.visibility === undefined ? {} : { visibility: options.visibility }),
        ...(options.description === undefined ? {} : { description: options.description }),
      }),
    );
  }

  /** Creates a user and its first API key, shown this once (site admins only). */
  createUser(name: string): Promise<RouterOutputs["accounts"]["createUser"]> {
    return this.#ctx.call((t) => t.accounts.createUser.mutate({ name }));
  }

  /** Every user, with `disabledAt` (site admins only). */
  users(): Promise<RouterOutputs["accounts"]["listUsers"]> {
    return this.#ctx.call((t) => t.accounts.listUsers.query());
  }

  /** Disables a user: its API keys are refused from now on (site admins only). */
  disableUser(name: string): Promise<RouterOutputs["accounts"]["setUserDisabled"]> {
    return this.#ctx.call((t) => t.accounts.setUserDisabled.mutate({ user: name, disabled: true }));
  }

  /** Re-enables a disabled user (site admins only). */
  enableUser(name: string): Promise<RouterOutputs["accounts"]["setUserDisabled"]> {
    return this.#ctx.call((t) =>
      t.accounts.setUserDisabled.mutate({ user: name, disabled: false }),
    );
  }

  /** Creates a team; the caller becomes its first admin. */
  createTeam(name: string): Promise<RouterOutputs["accounts"]["createTeam"]> {
    return this.#ctx.call((t) => t.accounts.createTeam.mutate({ name }));
  }

  /** Teams the caller belongs to (site admins: every team). */
  teams(): Promise<RouterOutputs["accounts"]["listTeams"]> {
    return this.#ctx.call((t) => t.accounts.listTeams.query());
  }

  /** Adds a user to a team, or changes their role (team admins only). */
  addTeamMember(
    team: string,
    user: string,
    options: { role?: "member" | "admin" } = {},
  ): Promise<RouterOutputs["accounts"]["setMember"]> {
    return this.#ctx.call((t) =>
      t.accounts.setMember.mutate({ team, user, role: options.role ?? "member" }),
    );
  }

  /** Removes a user from a team (team admins only; a team keeps at least one admin). */
  removeTeamMember(team: string, user: string): Promise<RouterOutputs["accounts"]["removeMember"]> {
    return this.#ctx.call((t) => t.accounts.removeMember.mutate({ team, user }));
  }

  /** A team's members (team admins only). */
  teamMembers(team: string): Promise<RouterOutputs["accounts"]["listMembers"]> {
    return this.#ctx.call((t) => t.accounts.listMembers.query({ team }));
  }

  async #project(where: {
    entity?: string | undefined;
    project?: string | undefined;
  }): Promise<ProjectRef> {
    const defaults = await this.#ctx.defaults();
    const project = where.project ?? defaults.project;
    if (project === undefined) {
      throw new CairnError(
        "INVALID_INPUT",
        "No project given: pass { project }, set CAIRN_PROJECT, or pass project to new Cairn({ project }).",
      );
    }
    return { entity: where.entity ?? defaults.entity, project };
  }

  async #selector(ref: string): Promise<ProjectRef & { ref: string }> {
    const defaults = await this.#ctx.defaults();
    const q = qualifyReference(ref, defaults);
    return {
      entity: q.entity,
      project: q.project,
      ref: formatReference({ name: q.name, selector: q.selector }),
    };
  }
}
