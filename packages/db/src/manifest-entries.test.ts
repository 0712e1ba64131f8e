import { isCairnError, type ManifestEntry } from "@cairn/core";
import { sql } from "kysely";
import { expect, it } from "vitest";
import { describeEngines } from "./engines.test-helpers.js";
import {
  getManifestEntry,
  insertManifestEntries,
  pageManifestEntries,
  storeManifest,
} from "./index.js";

const hex = (n: number) => n.toString(16).padStart(64, "0");

/** Deterministic entries; every 7th is a reference with provider metadata, every 11th has no size. */
function* entries(count: number): Generator<ManifestEntry> {
  for (let i = 0; i < count; i++) {
    const entry: ManifestEntry = {
      path: `data/${String(i).padStart(6, "0")}.bin`,
      digest: hex(i),
      size: i % 11 === 0 ? null : i,
    };
    if (i % 7 === 0) {
      entry.ref = `s3://bucket/data/${i}`;
      entry.extra = { etag: `"e${i}"`, versionID: `v${i}`, n: i, ok: true, none: null };
    }
    yield entry;
  }
}

await describeEngines("manifest entries", (database) => {
  async function newManifest(digest: string): Promise<number> {
    const row = await database()
      .db.insertInto("manifests")
      .values({ digest })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(typeof row.id).toBe("number");
    return row.id;
  }

  it("inserts 100,000 entries in unnest batches, pages them by keyset and looks one up", async () => {
    const { db } = database();
    const count = 100_000;
    const started = Date.now();
    const id = await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto("manifests")
        .values({ digest: "big" })
        .returning("id")
        .executeTakeFirstOrThrow();
      // Count the statements sent: batching is asserted exactly, not through timing.
      let statements = 0;
      const counting = trx.withPlugin({
        transformQuery: (args) => {
          statements++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      const inserted = await insertManifestEntries(counting, row.id, entries(count));
      expect(inserted).toBe(count);
      expect(statements).toBe(count / 1000);
      return row.id;
    });
    // Coarse guard only (row-by-row took 13–17 s on an idle machine; batched ~0.5 s).
    expect(Date.now() - started).toBeLessThan(30_000);

    const total = await db
      .selectFrom("manifest_entries")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("manifest_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(Number(total.n)).toBe(count);

    // Walk the whole manifest with 10,000-entry pages: every path once, in order.
    let after: string | null = null;
    let seen = 0;
    let previous = "";
    let pages = 0;
    do {
      const page = await pageManifestEntries(db, id, { after, limit: 10_000 });
      for (const entry of page.entries) {
        expect(entry.path > previous).toBe(true);
        previous = entry.path;
      }
      seen += page.entries.length;
      after = page.nextAfter;
      pages++;
    } while (after !== null);
    expect(seen).toBe(count);
    expect(pages).toBe(10);

    const expected = [...entries(7 * 11 + 1)].at(-1);
    expect(await getManifestEntry(db, id, "data/000077.bin")).toEqual(expected);
    expect(expected?.ref).toBe("s3://bucket/data/77");
    expect(expected?.size).toBeNull();
    expect(await getManifestEntry(db, id, "data/000001.bin")).toEqual({
      path: "data/000001.bin",
      digest: hex(1),
      size: 1,
    });
    expect(await getManifestEntry(db, id, "data/999999.bin")).toBeUndefined();
  });

  it("pages from the middle, ends with nextAfter null, and keeps manifests apart", async () => {
    const { db } = database();
    const a = await newManifest("a");
    const b = await newManifest("b");
    await insertManifestEntries(db, a, entries(25));
    await insertManifestEntries(db, b, [{ path: "other", digest: hex(1), size: 1 }]);
    const page = await pageManifestEntries(db, a, { after: "data/000019.bin", limit: 10 });
    expect(page.entries.map((e) => e.path)).toEqual(
      [20, 21, 22, 23, 24].map((i) => `data/0000${i}.bin`),
    );
    expect(page.nextAfter).toBeNull();
    const exact = await pageManifestEntries(db, a, { limit: 25 });
    expect(exact.entries).toHaveLength(25);
    expect(exact.nextAfter).toBeNull();
    const first = await pageManifestEntries(db, a, { limit: 24 });
    expect(first.nextAfter).toBe("data/000023.bin");
    expect((await pageManifestEntries(db, b, { limit: 10 })).entries).toEqual([
      { path: "other", digest: hex(1), size: 1 },
    ]);
  });

  it('orders paths byte-wise (COLLATE "C") whatever the server locale', async () => {
    const { db } = database();
    const id = await newManifest("collation");
    const paths = ["b", "B", "a/b", "a-b", "a_b", "Z", "é", "a"];
    await insertManifestEntries(
      db,
      id,
      paths.map((path) => ({ path, digest: hex(0), size: 0 })),
    );
    const page = await pageManifestEntries(db, id, { limit: 100 });
    const byteOrder = [...paths].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(page.entries.map((e) => e.path)).toEqual(byteOrder);
  });

  it("refuses a duplicate path in one manifest and leaves the transaction's rows out", async () => {
    const { db } = database();
    const id = await newManifest("dup");
    await expect(
      db.transaction().execute((trx) =>
        insertManifestEntries(trx, id, [
          { path: "x", digest: hex(1), size: 1 },
          { path: "x", digest: hex(2), size: 2 },
        ]),
      ),
    ).rejects.toThrow();
    const rows = await sql<{
      n: number;
    }>`select count(*)::int as n from manifest_entries where manifest_id = ${id}`.execute(db);
    expect(rows.rows[0]?.n).toBe(0);
  });

  it("refuses page limits outside 1..10000 with a message saying what is allowed", async () => {
    const { db } = database();
    for (const limit of [0, -1, 10_001, 1.5]) {
      const error = await pageManifestEntries(db, 1, { limit }).catch((e: unknown) => e);
      expect(isCairnError(error, "INVALID_INPUT")).toBe(true);
      expect((error as Error).message).toMatch(/1 to 10000/);
    }
  });

  it("stores a manifest once per digest, with its count and size, even when two callers race", async () => {
    const { db } = database();
    const list = [...entries(2500)];
    const expectedSize = list.reduce((sum, e) => sum + (e.size ?? 0), 0);
    const [a, b] = await Promise.all([
      storeManifest(db, "shared", list),
      storeManifest(db, "shared", list),
    ]);
    expect(a.id).toBe(b.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const row = await db
      .selectFrom("manifests")
      .selectAll()
      .where("digest", "=", "shared")
      .executeTakeFirstOrThrow();
    expect(row.entry_count).toBe(2500);
    expect(row.total_size).toBe(expectedSize);
    const n = await sql<{
      n: number;
    }>`select count(*)::int as n from manifest_entries where manifest_id = ${a.id}`.execute(db);
    expect(n.rows[0]?.n).toBe(2500);
    const again = await storeManifest(db, "shared", [{ path: "ignored", digest: hex(9), size: 9 }]);
    expect(again).toEqual({ id: a.id, created: false });
    expect(await getManifestEntry(db, a.id, "ignored")).toBeUndefined();
  });

  it("leaves no manifest behind when storing its entries fails", async () => {
    const { db } = database();
    const bad = [
      { path: "same", digest: hex(1), size: 1 },
      { path: "same", digest: hex(1), size: 1 },
    ];
    await expect(storeManifest(db, "broken", bad)).rejects.toThrow();
    expect(
      await db.selectFrom("manifests").select("id").where("digest", "=", "broken").execute(),
    ).toEqual([]);
  });
});
