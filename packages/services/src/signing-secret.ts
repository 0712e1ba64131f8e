import { randomBytes } from "node:crypto";
import type { Database } from "@cairn/db";
import { type Kysely, sql } from "kysely";

/**
 * The HMAC secret for byte-route tokens, stored in the `settings` table so every server process
 * of a deployment shares it. The first process to start creates it; concurrent first starts agree
 * because the insert is `on conflict do nothing` followed by a read.
 */
export async function loadSigningSecret(db: Kysely<Database>): Promise<Uint8Array> {
  const fresh = randomBytes(32).toString("hex");
  await sql`insert into settings (key, value) values ('signing_secret', ${fresh}) on conflict (key) do nothing`.execute(
    db,
  );
  const row = await sql<{ value: string }>`select value from settings where key = 'signing_secret'`.execute(db);
  const value = row.rows[0]?.value;
  if (!value) throw new Error("settings.signing_secret is missing after insert");
  return Buffer.from(value, "hex");
}
