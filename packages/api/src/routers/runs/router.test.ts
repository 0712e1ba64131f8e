import { expectTrpcCode } from "@cairn/vitest-config/expect-code";
import { expect, it } from "vitest";
import { type Caller, describeOnEngines, type World } from "../accounts/accounts.test-helpers.js";

/** A fresh project owned by a fresh user, and that user's caller. */
async function projectOf(
  world: World,
  prefix: string,
): Promise<{ caller: Caller; ref: { entity: string; project: string } }> {
  const user = await world.newUser(prefix);
  await user.caller.projects.create({ entity: user.name, name: "runs" });
  return { caller: user.caller, ref: { entity: user.name, project: "runs" } };
}

await describeOnEngines("runs router", (world) => {
  it("init generates a short id when none is given and returns the run", async () => {
    const { caller, ref } = await projectOf(world(), "gen");
    const run = await caller.runs.init({
      ...ref,
      jobType: "train",
      group: "g1",
      sweep: "s1",
      name: "first",
      config: { lr: 0.1 },
    });
    expect(run.id).toMatch(/^[a-z0-9]{8}$/);
    expect(run).toMatchObject({
      ...ref,
      jobType: "train",
      group: "g1",
      sweep: "s1",
      name: "first",
      config: { lr: 0.1 },
      summary: {},
      state: "running",
    });
    expect(new Date(run.createdAt).toISOString()).toBe(run.createdAt);
    expect(await caller.runs.get({ ...ref, id: run.id })).toEqual(run);
    const other = await caller.runs.init({ ...ref, jobType: "train" });
    expect(other.id).not.toBe(run.id);
    expect(other.name).toBeNull();
  });

  it("follows the resume matrix never / allow / must", async () => {
    const { caller, ref } = await projectOf(world(), "resume");
    // never: a new id is created, an existing one is a conflict.
    const created = await caller.runs.init({
      ...ref,
      id: "run-1",
      jobType: "train",
      config: { a: 1, b: 1 },
    });
    expect(created.state).toBe("running");
    await expectTrpcCode(caller.runs.init({ ...ref, id: "run-1", jobType: "train" }), "CONFLICT");
    await expectTrpcCode(
      caller.runs.init({ ...ref, id: "run-1", resume: "never", jobType: "train" }),
      "CONFLICT",
    );

    // must: a missing id is NOT_FOUND, and an id is required.
    await expectTrpcCode(
      caller.runs.init({ ...ref, id: "run-missing", resume: "must", jobType: "train" }),
      "NOT_FOUND",
    );
    await expectTrpcCode(
      caller.runs.init({ ...ref, resume: "must", jobType: "train" }),
      "BAD_REQUEST",
    );
    expect(await caller.runs.list(ref)).toMatchObject({ runs: [{ id: "run-1" }] });

    // must on an existing (finished) run resumes it: running again, config merged, same createdAt.
    await caller.runs.finish({ ...ref, id: "run-1", state: "finished" });
    const resumed = await caller.runs.init({
      ...ref,
      id: "run-1",
      resume: "must",
      jobType: "train",
      config: { b: 2 },
    });
    expect(resumed).toMatchObject({
      id: "run-1",
      state: "running",
      config: { a: 1, b: 2 },
      createdAt: created.createdAt,
    });

    // allow: resumes an existing id, creates a missing one.
    await caller.runs.finish({ ...ref, id: "run-1", state: "failed" });
    const allowed = await caller.runs.init({
      ...ref,
      id: "run-1",
      resume: "allow",
      jobType: "train",
      name: "renamed",
    });
    expect(allowed).toMatchObject({ state: "running", name: "renamed", config: { a: 1, b: 2 } });
    const fresh = await caller.runs.init({ ...ref, id: "run-2", resume: "allow", jobType: "eval" });
    expect(fresh).toMatchObject({ id: "run-2", jobType: "eval", state: "running", config: {} });
    expect((await caller.runs.list({ ...ref, orderBy: "id" })).runs.map((r) => r.id)).toEqual([
      "run-1",
      "run-2",
    ]);
  });

  it("init validates ids and refuses the reserved config key", async () => {
    const { caller, ref } = await projectOf(world(), "valid");
    await expectTrpcCode(
      caller.runs.init({ ...ref, id: "bad id", jobType: "train" }),
      "BAD_REQUEST",
      "INVALID_INPUT",
    );
    await expectTrpcCode(caller.runs.init({ ...ref, id: "../x", jobType: "train" }), "BAD_REQUEST");
    await expectTrpcCode(
      caller.runs.init({ ...ref, jobType: "train", config: { _cairn_run_name: "x" } }),
      "BAD_REQUEST",
    );
    // A missing project of the caller's own entity is created on first use; one of an entity
    // that does not exist (or that the caller cannot write) stays NOT_FOUND.
    await expectTrpcCode(
      caller.runs.init({ entity: "no-such-entity", project: "nope", jobType: "train" }),
      "NOT_FOUND",
    );
  });

  it("update shallow-merges summary and config; finish sets the state; unknown runs are NOT_FOUND", async () => {
    const { caller, ref } = await projectOf(world(), "upd");
    const run = await caller.runs.init({
      ...ref,
      id: "r",
      jobType: "train",
      name: "n",
      config: { lr: 0.1, nested: { a: 1 } },
    });
    await caller.runs.update({ ...ref, id: "r", summary: { loss: 1.5, acc: 0.5 } });
    const updated = await caller.runs.update({
      ...ref,
      id: "r",
      summary: { loss: 0.9, epoch: 3 },
      config: { nested: { b: 2 } },
    });
    expect(updated.summary).toEqual({ loss: 0.9, acc: 0.5, epoch: 3 });
    // Shallow: a nested object is replaced, not merged; the display name survives config updates.
    expect(updated.config).toEqual({ lr: 0.1, nested: { b: 2 } });
    expect(updated.name).toBe("n");
    expect(updated.updatedAt >= run.updatedAt).toBe(true);

    const finished = await caller.runs.finish({ ...ref, id: "r", state: "failed" });
    expect(finished.state).toBe("failed");
    expect((await caller.runs.get({ ...ref, id: "r" })).state).toBe("failed");

    await expectTrpcCode(
      caller.runs.update({ ...ref, id: "ghost", summary: { x: 1 } }),
      "NOT_FOUND",
    );
    await expectTrpcCode(
      caller.runs.finish({ ...ref, id: "ghost", state: "finished" }),
      "NOT_FOUND",
    );
    await expectTrpcCode(caller.runs.get({ ...ref, id: "ghost" }), "NOT_FOUND");
    await expectTrpcCode(
      caller.runs.update({ ...ref, id: "r", config: { _cairn_run_name: "x" } }),
      "BAD_REQUEST",
    );
  });

  it("lists with group / sweep / jobType filters", async () => {
    const { caller, ref } = await projectOf(world(), "filt");
    await caller.runs.init({ ...ref, id: "a", jobType: "train", group: "g1", sweep: "s1" });
    await caller.runs.init({ ...ref, id: "b", jobType: "eval", group: "g1" });
    await caller.runs.init({ ...ref, id: "c", jobType: "train", group: "g2", sweep: "s1" });
    const ids = async (filter: { group?: string; sweep?: string; jobType?: string }) =>
      (await caller.runs.list({ ...ref, ...filter, orderBy: "id" })).runs.map((r) => r.id);
    expect(await ids({ group: "g1" })).toEqual(["a", "b"]);
    expect(await ids({ sweep: "s1" })).toEqual(["a", "c"]);
    expect(await ids({ jobType: "train" })).toEqual(["a", "c"]);
    expect(await ids({ sweep: "s1", group: "g2" })).toEqual(["c"]);
    expect(await ids({ sweep: "none" })).toEqual([]);
  });

  it("sorts by a summary metric numerically in SQL, missing and non-numeric values last, and pages with cursors", async () => {
    const { caller, ref } = await projectOf(world(), "sort");
    // Numbers whose text order differs from their numeric order, a tie, a string and a missing value.
    const accs: Record<string, number | string | undefined> = {
      r1: 9,
      r2: 10,
      r3: -2.5,
      r4: 0.75,
      r5: 10,
      r6: "n/a",
      r7: undefined,
      r8: 100,
    };
    for (const [id, acc] of Object.entries(accs)) {
      await caller.runs.init({ ...ref, id, jobType: "train", sweep: "sw" });
      await caller.runs.update({
        ...ref,
        id,
        summary: acc === undefined ? { other: 1 } : { val_acc: acc, loss: 1 },
      });
    }
    const all = async (orderBy: string) =>
      (await caller.runs.list({ ...ref, orderBy })).runs.map((r) => r.id);
    expect(await all("-summary.val_acc")).toEqual(["r8", "r2", "r5", "r1", "r4", "r3", "r6", "r7"]);
    expect(await all("summary.val_acc")).toEqual(["r3", "r4", "r1", "r2", "r5", "r8", "r6", "r7"]);

    for (const orderBy of [
      "-summary.val_acc",
      "summary.val_acc",
      "createdAt",
      "-createdAt",
      "id",
      "-id",
    ]) {
      const expected = await all(orderBy);
      const paged: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await caller.runs.list({
          ...ref,
          orderBy,
          limit: 3,
          ...(cursor ? { cursor } : {}),
        });
        paged.push(...page.runs.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor);
      expect(paged, orderBy).toEqual(expected);
      expect(pages).toBe(3);
    }
    // Creation order: ascending and descending by timestamp (ties, within one millisecond, by id).
    const byCreated = async (orderBy: string) =>
      (await caller.runs.list({ ...ref, orderBy })).runs.map((r) => [r.createdAt, r.id] as const);
    const ascending = await byCreated("createdAt");
    const descending = await byCreated("-createdAt");
    expect(ascending.map(([, id]) => id).sort()).toEqual(Object.keys(accs).sort());
    for (let i = 1; i < ascending.length; i += 1) {
      const [prev, cur] = [ascending[i - 1], ascending[i]];
      expect(prev && cur && (prev[0] < cur[0] || (prev[0] === cur[0] && prev[1] < cur[1]))).toBe(
        true,
      );
      const [dPrev, dCur] = [descending[i - 1], descending[i]];
      expect(
        dPrev && dCur && (dPrev[0] > dCur[0] || (dPrev[0] === dCur[0] && dPrev[1] < dCur[1])),
      ).toBe(true);
    }
    // The default order is newest first.
    expect((await caller.runs.list(ref)).runs.map((r) => r.id)).toEqual(
      descending.map(([, id]) => id),
    );
  });

  it("refuses bad orderBy, limits and cursors with BAD_REQUEST", async () => {
    const { caller, ref } = await projectOf(world(), "badlist");
    await caller.runs.init({ ...ref, id: "a", jobType: "t" });
    await caller.runs.init({ ...ref, id: "b", jobType: "t" });
    await expectTrpcCode(caller.runs.list({ ...ref, orderBy: "summary" }), "BAD_REQUEST");
    await expectTrpcCode(
      caller.runs.list({ ...ref, orderBy: "name; drop table runs" }),
      "BAD_REQUEST",
    );
    await expectTrpcCode(caller.runs.list({ ...ref, limit: 1001 }), "BAD_REQUEST");
    await expectTrpcCode(caller.runs.list({ ...ref, cursor: "garbage" }), "BAD_REQUEST");
    const page = await caller.runs.list({ ...ref, orderBy: "id", limit: 1 });
    expect(page.runs.map((r) => r.id)).toEqual(["a"]);
    expect(page.nextCursor).toEqual(expect.any(String));
    await expectTrpcCode(
      caller.runs.list({ ...ref, orderBy: "-id", cursor: page.nextCursor as string }),
      "BAD_REQUEST",
    );
    expect(
      (
        await caller.runs.list({ ...ref, orderBy: "id", cursor: page.nextCursor as string })
      ).runs.map((r) => r.id),
    ).toEqual(["b"]);
  });
});
