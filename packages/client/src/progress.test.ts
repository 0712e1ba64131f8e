import { describe, expect, it } from "vitest";
import type { ProgressEvent } from "./index.js";
import { createProgressTracker } from "./internal.js";

describe("createProgressTracker", () => {
  it("reports counts, rate and eta from the injected clock, throttled", () => {
    let t = 0;
    const events: ProgressEvent[] = [];
    const tracker = createProgressTracker({
      phase: "upload",
      filesTotal: 4,
      bytesTotal: 4000,
      onProgress: (e) => events.push(e),
      intervalMs: 100,
      now: () => t,
    });
    t = 1000;
    tracker.advance(1, 1000);
    t = 1050; // within the throttle interval: no event
    tracker.advance(1, 1000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ phase: "upload", filesDone: 1, bytesDone: 1000, rate: 1000 });
    expect(events[0]!.etaSeconds).toBeCloseTo(3);
    t = 2000;
    const last = tracker.finish();
    expect(events).toHaveLength(2);
    expect(last).toMatchObject({
      filesDone: 2,
      filesTotal: 4,
      bytesDone: 2000,
      rate: 1000,
      etaSeconds: 2,
    });
  });

  it("has an unknown eta before any progress and 0 when done; listener errors are swallowed", () => {
    let t = 0;
    const tracker = createProgressTracker({
      phase: "hash",
      filesTotal: 1,
      bytesTotal: 10,
      now: () => t,
      onProgress: () => {
        throw new Error("broken bar");
      },
    });
    expect(tracker.snapshot().etaSeconds).toBeNull();
    t = 500;
    tracker.advance(1, 10);
    expect(tracker.finish().etaSeconds).toBe(0);
  });
});
