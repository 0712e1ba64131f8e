/**
 * The process the pack fault test kills (pack-crash.test.ts): a packed directory store on a real
 * PostgreSQL schema, writing batches of random small blobs without pause — and, in `compact` mode,
 * deleting some and compacting at the same time. It prints `ACK <digest>` only after `put`
 * resolved (durable and indexed) and `DEL <digest>` *before* asking for a delete, so the parent
 * knows exactly which blobs must survive a SIGKILL.
 *
 * argv: <root> <database url> <schema> <write|compact>
 */
import { createHash, randomBytes } from "node:crypto";
import { writeSync } from "node:fs";
import { createFsBlobStore, isPackedStore } from "@cairn/blobs";
import { createDatabase, createPackIndex } from "@cairn/db";

const [root, url, schema, mode] = process.argv.slice(2) as [string, string, string, string];
const database = await createDatabase({ url, schema, poolSize: 4 });
const store = createFsBlobStore({
  root,
  packIndex: createPackIndex(database.db),
  // Small packs, so kills also land on pack rotation and compaction has sealed packs to rewrite.
  packTargetBytes: 512 * 1024,
});
if (!isPackedStore(store)) throw new Error("expected a packed store");
const say = (line: string) => writeSync(1, `${line}\n`);
say("READY");
const acked: string[] = [];

async function writeForever(): Promise<never> {
  for (;;) {
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        const bytes = randomBytes(100 + Math.floor(Math.random() * 30_000));
        const digest = createHash("sha256").update(bytes).digest("hex");
        await store.put(digest, bytes);
        acked.push(digest);
        say(`ACK ${digest}`);
      }),
    );
  }
}

async function compactForever(): Promise<never> {
  for (;;) {
    for (let i = 0; i < 8 && acked.length > 20; i++) {
      const [digest] = acked.splice(Math.floor(Math.random() * acked.length), 1);
      say(`DEL ${digest}`);
      await store.delete(digest!);
    }
    if (!isPackedStore(store)) throw new Error("unreachable");
    await store.packs.compact({
      graceMs: 0,
      now: new Date(Date.now() + 60_000),
      minLiveFraction: 0.9,
    });
  }
}

await Promise.all([writeForever(), ...(mode === "compact" ? [compactForever()] : [])]);
