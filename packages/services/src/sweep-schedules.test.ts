import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { CairnJobRunner } from "./deps.js";
import { scheduleSweeps, sweepScheduleEnvShape } from "./sweep-schedules.js";

const schema = z.object(sweepScheduleEnvShape);

describe("the sweep schedules", () => {
  it("prune events after 30 days by default, hourly, and refuse a retention under an hour", () => {
    const env = schema.parse({});
    expect(env.CAIRN_EVENT_RETENTION).toBe(30 * 86_400_000);
    expect(env.CAIRN_EVENT_PRUNE_INTERVAL).toBe(3_600_000);
    expect(schema.parse({ CAIRN_EVENT_RETENTION: "7d" }).CAIRN_EVENT_RETENTION).toBe(
      7 * 86_400_000,
    );
    const short = schema.safeParse({ CAIRN_EVENT_RETENTION: "10m" });
    expect(short.success).toBe(false);
    expect(short.error?.issues[0]?.message).toMatch(/at least 1h/);
    const bad = schema.safeParse({ CAIRN_EVENT_RETENTION: "a month" });
    expect(bad.error?.issues[0]?.message).toMatch(/accepted forms/);
  });

  it("schedule the event-prune job with the configured retention, unless CAIRN_NO_SCHEDULES", async () => {
    const calls: Array<[string, number, unknown]> = [];
    const jobs = {
      schedule: async (queue: string, everyMs: number, payload: unknown) => {
        calls.push([queue, everyMs, payload]);
      },
    } as unknown as CairnJobRunner;
    await scheduleSweeps(jobs, schema.parse({ CAIRN_EVENT_RETENTION: "2d" }));
    expect(calls).toContainEqual(["event-prune", 3_600_000, { retentionMs: 2 * 86_400_000 }]);
    calls.length = 0;
    await scheduleSweeps(jobs, schema.parse({ CAIRN_NO_SCHEDULES: "true" }));
    expect(calls).toEqual([]);
  });
});
