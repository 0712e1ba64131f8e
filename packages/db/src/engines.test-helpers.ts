import { describeWithServices, serviceUrl } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe } from "vitest";
import { createTestDatabase, type TestDatabase } from "./index.js";

/** The two engines every conformance suite runs on. */
export type Engine = "pglite" | "postgres";

/**
 * Runs the same suite on in-memory PGlite and on the real PostgreSQL (in a throwaway schema,
 * skipped off CI when the server is down). `body` gets a getter for the file's migrated database.
 */
export async function describeEngines(
  name: string,
  body: (database: () => TestDatabase, engine: Engine) => void,
): Promise<void> {
  describe(`${name} [pglite]`, () => suite("pglite", body));
  await describeWithServices(["postgres"], `${name} [postgres]`, () => suite("postgres", body));
}

function suite(engine: Engine, body: (database: () => TestDatabase, engine: Engine) => void): void {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(engine, { url: serviceUrl("postgres") });
  });
  afterAll(async () => {
    await database?.cleanup();
  });
  body(() => {
    if (!database) throw new Error("test database not ready (beforeAll failed)");
    return database;
  }, engine);
}
