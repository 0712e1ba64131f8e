import { setImmediate as nextTurn } from "node:timers/promises";
import { CompiledQuery, sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { describeEngines } from "./engines.test-helpers.js";
import { executeCoalescedRead, turnBatch } from "./index.js";

// `nextval` tells executions apart: callers that shared one execution got the same number.
const raw = <R>(text: string, parameters: unknown[]) =>
  CompiledQuery.raw(text, parameters) as CompiledQuery<R>;
const NEXT = raw<{ n: string }>("select nextval('coalesce_probe')::text as n", []);
const plusOne = (x: number) => raw<{ v: number }>("select $1::int + 1 as v", [x]);
const value = (result: { rows: { n: string }[] }) => result.rows[0]?.n;

await describeEngines("coalesced reads", (database) => {
  beforeAll(async () => {
    await sql`create sequence coalesce_probe`.execute(database().db);
  });

  it("runs identical statements issued in one turn once and gives every caller its rows", async () => {
    const { db } = database();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => executeCoalescedRead(db, NEXT)),
    );
    expect(new Set(answers.map(value)).size).toBe(1);
    expect(answers[0]?.rows).toHaveLength(1);
    // The next turn's statement is a new execution.
    const later = await executeCoalescedRead(db, NEXT);
    expect(Number(value(later))).toBe(Number(value(answers[0] ?? later)) + 1);
  });

  it("never lets a caller join a statement that started before it asked", async () => {
    const { db } = database();
    const first = executeCoalescedRead(db, NEXT);
    // The shared statement starts in the check phase of this turn; ask after it has.
    await nextTurn();
    const second = executeCoalescedRead(db, NEXT);
    const [a, b] = await Promise.all([first, second]);
    expect(value(a)).not.toBe(value(b));
  });

  it("sees a write committed before the read was asked, even next to an older identical read", async () => {
    const { db } = database();
    await sql`create table coalesce_probe_rows (id int primary key, label text)`.execute(db);
    const read = raw<{ label: string }>("select label from coalesce_probe_rows where id = $1", [1]);
    const before = executeCoalescedRead(db, read);
    await nextTurn();
    await sql`insert into coalesce_probe_rows values (1, 'written')`.execute(db);
    const after = await executeCoalescedRead(db, read);
    expect(after.rows).toEqual([{ label: "written" }]);
    // The older read started before the insert: either answer is right for it.
    await before;
  });

  it("keeps different parameters apart", async () => {
    const { db } = database();
    const [one, two] = await Promise.all([
      executeCoalescedRead(db, plusOne(1)),
      executeCoalescedRead(db, plusOne(2)),
    ]);
    expect(one.rows).toEqual([{ v: 2 }]);
    expect(two.rows).toEqual([{ v: 3 }]);
  });

  it("gives every caller of a failed statement the error", async () => {
    const { db } = database();
    const bad = CompiledQuery.raw("select * from no_such_table_for_coalescing", []);
    const results = await Promise.allSettled([
      executeCoalescedRead(db, bad),
      executeCoalescedRead(db, bad),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    // A failure is not remembered: the next call runs again.
    await expect(executeCoalescedRead(db, plusOne(41))).resolves.toMatchObject({
      rows: [{ v: 42 }],
    });
  });

  it("runs each statement of a transaction on the transaction, uncoalesced", async () => {
    const { db } = database();
    const values = await db
      .transaction()
      .execute(async (trx) => [
        value(await executeCoalescedRead(trx, NEXT)),
        value(await executeCoalescedRead(trx, NEXT)),
      ]);
    expect(Number(values[1])).toBe(Number(values[0]) + 1);
  });
});

describe("turnBatch", () => {
  const recorder = (fail = false) => {
    const loads: string[][] = [];
    const load = async (inputs: string[]) => {
      loads.push(inputs);
      if (fail) throw new Error("engine down");
      return inputs.map((input) => `${input}!`);
    };
    return { loads, load };
  };

  it("loads the distinct inputs of one turn in one call, in order, and answers each caller", async () => {
    const { loads, load } = recorder();
    const get = turnBatch(load, { keyOf: (input) => input });
    const answers = await Promise.all(["a", "b", "a", "c", "b"].map(get));
    expect(answers).toEqual(["a!", "b!", "a!", "c!", "b!"]);
    expect(loads).toEqual([["a", "b", "c"]]);
    // A call made after the batch started goes into the next one.
    const first = get("a");
    await nextTurn();
    const second = get("a");
    await Promise.all([first, second]);
    expect(loads.slice(1)).toEqual([["a"], ["a"]]);
  });

  it("splits a turn larger than maxBatch into several loads", async () => {
    const { loads, load } = recorder();
    const get = turnBatch(load, { keyOf: (input) => input, maxBatch: 2 });
    expect(await Promise.all(["a", "b", "c"].map(get))).toEqual(["a!", "b!", "c!"]);
    expect(loads).toEqual([["a", "b"], ["c"]]);
  });

  it("fails every caller of a failed load, and loads again on the next turn", async () => {
    const failing = recorder(true);
    const get = turnBatch(failing.load, { keyOf: (input) => input });
    const results = await Promise.allSettled([get("a"), get("b")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    const throwing = turnBatch<string, string>(
      () => {
        throw new Error("synchronous");
      },
      { keyOf: (input) => input },
    );
    await expect(throwing("a")).rejects.toThrow("synchronous");
    await expect(get("c")).rejects.toThrow("engine down");
    // The failed pair was tried again one input at a time before its callers were failed.
    expect(failing.loads).toEqual([["a", "b"], ["a"], ["b"], ["c"]]);
  });

  it("fails only the callers of an input the load rejects, not the rest of its batch", async () => {
    const loads: string[][] = [];
    const get = turnBatch(
      async (inputs: string[]) => {
        loads.push(inputs);
        if (inputs.includes("bad")) throw new Error("value out of range");
        return inputs.map((input) => `${input}!`);
      },
      { keyOf: (input) => input },
    );
    const results = await Promise.allSettled(["a", "bad", "b", "bad"].map(get));
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : "rejected"))).toEqual([
      "a!",
      "rejected",
      "b!",
      "rejected",
    ]);
    expect(loads).toEqual([["a", "bad", "b"], ["a"], ["bad"], ["b"]]);
  });
});
