import { z } from "zod";

/**
 * The database variables the server and the worker read alike (each app's env.ts spreads this
 * into its schema; `DATABASE_URL` itself differs: optional for the server, required for a worker).
 */
export const databaseEnvShape = {
  /**
   * Most PostgreSQL connections one process holds (ignored for the embedded store). The default
   * comes from the alias-resolution benchmark (bench/README.md); mind `max_connections` when
   * running several servers and workers against one database.
   */
  CAIRN_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * `false`: no LISTEN connection; `draftStatus` waiters and the webhook dispatcher poll instead of
   * sleeping until a commit's NOTIFY (for connection poolers that cannot LISTEN, such as PgBouncer
   * in transaction mode). Default `true`.
   */
  CAIRN_DATABASE_LISTEN: z
    .enum(["true", "false", "1", "0", ""])
    .optional()
    .transform((v) => v !== "false" && v !== "0"),
  /**
   * `false`: the hot read statements (version resolution, manifest pages) are not kept as named
   * prepared statements on each connection, for poolers that cannot keep them (PgBouncer before
   * 1.21, or later without `max_prepared_statements`, in transaction mode). Default `true`.
   */
  CAIRN_DATABASE_PREPARE: z
    .enum(["true", "false", "1", "0", ""])
    .optional()
    .transform((v) => v !== "false" && v !== "0"),
};

/** The parsed database variables. */
export type DatabaseEnv = z.infer<z.ZodObject<typeof databaseEnvShape>>;
