export {
  executeCoalescedRead,
  type ReadExecutor,
  type TurnBatchOptions,
  turnBatch,
} from "./coalesced-reads.js";
export {
  type CairnDatabase,
  createDatabase,
  type DatabaseConfig,
  type PGliteDirectoryConfig,
  type PGliteMemoryConfig,
  type PostgresDatabaseConfig,
} from "./create-database.js";
export { type DatabaseEnv, databaseEnvShape } from "./database-env.js";
export {
  acquireDirectoryLock,
  type DirectoryLock,
  LOCK_FILE_NAME,
  type LockOwner,
} from "./dir-lock.js";
export {
  getManifestEntry,
  insertManifestEntries,
  MANIFEST_INSERT_BATCH,
  MAX_MANIFEST_PAGE,
  type ManifestPage,
  pageManifestEntries,
  type Queryable,
  storeManifest,
} from "./manifest-entries.js";
export { MIGRATION_LOCK_KEY, type MigrateResult, migrate, splitStatements } from "./migrate.js";
export { MIGRATIONS, type Migration } from "./migrations/index.js";
export {
  createPGliteNotifications,
  createPgNotifications,
  type NotificationHandler,
  type Notifications,
  type NotificationTopic,
  notify,
  type PgNotificationsOptions,
} from "./notifications.js";
export { createPackIndex } from "./pack-index.js";
export { parseInt8, toSafeNumber } from "./pg-types.js";
export { CairnPGliteDialect } from "./pglite-dialect.js";
export { preparedStatement, preparedStatementName } from "./prepared-statements.js";
export type * from "./schema.js";
export type * from "./schema-events.js";
export { createTestDatabase, DEFAULT_TEST_DATABASE_URL, type TestDatabase } from "./testing.js";
