import { CairnError } from "@cairn/core";
import type { Database } from "@cairn/db";
import { type Kysely, type RawBuilder, sql } from "kysely";
import { type RunInfo, toRunInfo } from "./info.js";

/** Largest page of `runs.list`. */
export const MAX_RUNS_PAGE = 1000;
/** Page size when none is asked for. */
export const DEFAULT_RUNS_PAGE = 100;
/** Default order: newest first, like a run table. */
export const DEFAULT_RUNS_ORDER = "-createdAt";

/** What a run listing may be filtered by and ordered by. */
export interface ListRunsQuery {
  group?: string | undefined;
  sweep?: string | undefined;
  jobType?: string | undefined;
  /** `createdAt`, `-updatedAt`, `id`, `-summary.val_acc`, `config.lr`…; `-` = descending. */
  orderBy?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** A parsed `orderBy`. */
interface RunOrder {
  text: string;
  descending: boolean;
  /** The sort expression; metrics that are missing or not numbers are NULL (sorted last). */
  expr: RawBuilder<unknown>;
  /** Casts a cursor value back to the expression's type. */
  cast: (value: string | number) => RawBuilder<unknown>;
}

const ORDER_RE = /^(-?)(createdAt|updatedAt|id|(summary|config)\.(\S{1,256}))$/;
const ORDER_ALLOWED =
  'Use "createdAt", "updatedAt", "id", "summary.<metric>" or "config.<key>", with a leading "-" for descending (e.g. "-summary.val_acc").';

/** Parses `orderBy`; throws INVALID_INPUT with the accepted forms. */
export function parseRunOrder(orderBy: string): RunOrder {
  const match = ORDER_RE.exec(orderBy);
  if (!match) {
    throw new CairnError(
      "INVALID_INPUT",
      `Cannot order runs by ${JSON.stringify(orderBy)}. ${ORDER_ALLOWED}`,
      {
        details: { orderBy },
      },
    );
  }
  const descending = match[1] === "-";
  const field = match[2] as string;
  const asTimestamp = (v: string | number) => sql`${String(v)}::timestamptz`;
  if (field === "createdAt")
    return { text: orderBy, descending, expr: sql`created_at`, cast: asTimestamp };
  if (field === "updatedAt")
    return { text: orderBy, descending, expr: sql`updated_at`, cast: asTimestamp };
  if (field === "id")
    return { text: orderBy, descending, expr: sql`id`, cast: (v) => sql`${String(v)}` };
  // A metric: compared as a number in SQL (never in memory), so sorting 100k runs stays an
  // index-free scan of one project's rows rather than a transfer of all of them. Values that are
  // not JSON numbers (strings, missing keys) sort last instead of failing the whole cast.
  const column = sql.ref(match[3] === "summary" ? "summary" : "config");
  const key = match[4] as string;
  const expr = sql`(case when jsonb_typeof(${column} -> ${key}::text) = 'number' then (${column} ->> ${key}::text)::double precision end)`;
  return { text: orderBy, descending, expr, cast: (v) => sql`${Number(v)}::double precision` };
}

interface Cursor {
  o: string;
  v: string | number | null;
  i: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(text: string, order: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch (cause) {
    throw new CairnError(
      "INVALID_INPUT",
      "Malformed runs cursor: pass back `nextCursor` exactly as returned.",
      { cause },
    );
  }
  const c = parsed as Partial<Cursor> | null;
  const valueOk = c?.v === null || typeof c?.v === "string" || typeof c?.v === "number";
  if (!c || typeof c.o !== "string" || typeof c.i !== "string" || !valueOk) {
    throw new CairnError(
      "INVALID_INPUT",
      "Malformed runs cursor: pass back `nextCursor` exactly as returned.",
    );
  }
  if (c.o !== order) {
    throw new CairnError(
      "INVALID_INPUT",
      `This cursor belongs to a listing ordered by "${c.o}", not "${order}": restart the listing without a cursor.`,
    );
  }
  return c as Cursor;
}

/**
 * One page of a project's runs, filtered and ordered in SQL with a keyset cursor on
 * (sort value NULLS LAST, id): pages stay consistent while runs are added, and deep pages cost
 * no more than the first.
 */
export async function listRuns(
  db: Kysely<Database>,
  project: { id: string; entity: string; name: string },
  query: ListRunsQuery,
): Promise<{ runs: RunInfo[]; nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_RUNS_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RUNS_PAGE) {
    throw new CairnError(
      "INVALID_INPUT",
      `limit must be an integer from 1 to ${MAX_RUNS_PAGE} (got ${String(limit)}).`,
    );
  }
  const order = parseRunOrder(query.orderBy ?? DEFAULT_RUNS_ORDER);
  const { expr } = order;
  let q = db
    .selectFrom("runs")
    .selectAll()
    // Timestamps travel as text so the cursor keeps PostgreSQL's microseconds (a JS Date has ms).
    .select(sql<string | null>`(${expr})::text`.as("sort_value"))
    .where("project_id", "=", project.id);
  if (query.group !== undefined) q = q.where("group_name", "=", query.group);
  if (query.sweep !== undefined) q = q.where("sweep", "=", query.sweep);
  if (query.jobType !== undefined) q = q.where("job_type", "=", query.jobType);
  if (query.cursor !== undefined) {
    const c = decodeCursor(query.cursor, order.text);
    const op = sql.raw(order.descending ? "<" : ">");
    q =
      c.v === null
        ? q.where(sql<boolean>`(${expr} is null and id > ${c.i})`)
        : q.where(
            sql<boolean>`(${expr} ${op} ${order.cast(c.v)} or (${expr} = ${order.cast(c.v)} and id > ${c.i}) or ${expr} is null)`,
          );
  }
  const direction = sql.raw(order.descending ? "desc" : "asc");
  const rows = await q
    .orderBy(sql`${expr} ${direction} nulls last`)
    .orderBy("id")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor({ o: order.text, v: last.sort_value, i: last.id })
      : null;
  return {
    runs: page.map((row) => {
      const { sort_value: _sort, ...run } = row;
      return toRunInfo(run, project.entity, project.name);
    }),
    nextCursor,
  };
}
