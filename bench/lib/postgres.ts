import { randomBytes } from "node:crypto";
import pg from "pg";

/** The PostgreSQL the suite uses: `BENCH_DATABASE_URL`, else `DATABASE_URL`, else the local test server. */
export function basePostgresUrl(): string {
  return (
    process.env.BENCH_DATABASE_URL ??
    process.env.DATABASE_URL ??
    "postgres://postgres@127.0.0.1:5432/test"
  );
}

/** A database created for one measurement; `drop()` removes it. */
export interface FreshDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database `cairn_bench_<random>` next to the configured one: a whole database
 * (not a schema) because the server and workers take a plain `DATABASE_URL`.
 */
export async function createFreshDatabase(): Promise<FreshDatabase> {
  const base = new URL(basePostgresUrl());
  const name = `cairn_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
