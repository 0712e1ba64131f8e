import { randomBytes } from "node:crypto";
import type { Database } from "@cairn/db";
import type { Kysely } from "kysely";

/**
 * The HMAC secret for byte-route tokens, stored in the `settings` table so every server process
 * of a deployment shares it. The first process to start creates it; concurrent first starts agree
 * because the insert is `on conflict do nothing` followed by a read.
 */
export async function loadSigningSecret(db: Kysely<Database>): Promise<Uint8Array> {
  await db
    .insertInto("settings")
    .values({ key: "signing_secret", value: randomBytes(32).toString("hex") })
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
  const row = await db
    .selectFrom("settings")
    .select("value")
    .where("key", "=", "signing_secret")
    .executeTakeFirstOrThrow();
  return Buffer.from(row.value, "hex");
}
