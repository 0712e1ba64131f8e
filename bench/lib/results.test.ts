import { describe, expect, it } from "vitest";
import { renderReadme, row } from "./results.js";
import { summarize } from "./stats.js";

describe("row", () => {
  it("computes the ratio and judges a ratio target", () => {
    const r = row(
      "first log",
      "s",
      summarize([3]),
      { label: "restic", summary: summarize([10]) },
      { of: "ratio", op: "<=", value: 0.6 },
    );
    expect(r.ratio).toBeCloseTo(0.3);
    expect(r.met).toBe(true);
    const slow = row(
      "first log",
      "s",
      summarize([9]),
      { label: "restic", summary: summarize([10]) },
      { of: "ratio", op: "<=", value: 0.6 },
    );
    expect(slow.met).toBe(false);
  });
  it("judges value targets on Cairn's median", () => {
    expect(
      row("bytes", "B", summarize([0, 0, 0]), null, { of: "value", op: "==", value: 0 }).met,
    ).toBe(true);
    expect(
      row("bytes", "B", summarize([0, 5, 5]), null, { of: "value", op: "==", value: 0 }).met,
    ).toBe(false);
    expect(
      row("rate", "entries/s", summarize([12_000]), null, { of: "value", op: ">=", value: 10_000 })
        .met,
    ).toBe(true);
    expect(row("plain", "s", summarize([1])).met).toBeNull();
  });
});

describe("renderReadme", () => {
  it("renders one table per scenario with failed checks highlighted", () => {
    const md = renderReadme([
      {
        scenario: "log-10k",
        title: "t",
        finishedAt: "2026-01-01T00:00:00.000Z",
        quick: true,
        repetitions: 3,
        params: { files: 10 },
        rows: [
          row("first log", "s", summarize([1, 2, 3]), { label: "restic", summary: summarize([4]) }),
        ],
        checks: [{ label: "zero bytes", ok: false, detail: "uploaded 5 B" }],
        notes: [],
      },
    ]);
    expect(md).toContain("## log-10k — t");
    expect(md).toContain(
      "| first log | 2.00 s (1.00–3.00) | restic: 4.00 s (4.00–4.00) | 0.50× | — | — |",
    );
    expect(md).toContain("**FAILED**: zero bytes (uploaded 5 B)");
    expect(md).toContain("--quick");
  });
});
