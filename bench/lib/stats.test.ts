import { describe, expect, it } from "vitest";
import { percentile, ratioOf, summarize } from "./stats.js";

describe("summarize", () => {
  it("gives the median and spread of odd and even sample counts", () => {
    expect(summarize([3, 1, 2])).toMatchObject({ median: 2, min: 1, max: 3 });
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
  });
  it("keeps the samples in measurement order", () => {
    expect(summarize([3, 1, 2]).samples).toEqual([3, 1, 2]);
  });
  it("refuses an empty list", () => {
    expect(() => summarize([])).toThrow(/at least one sample/);
  });
});

describe("ratioOf and percentile", () => {
  it("divides medians and refuses a zero denominator", () => {
    expect(ratioOf(summarize([2, 4, 6]), summarize([2]))).toBe(2);
    expect(ratioOf(summarize([1]), summarize([0]))).toBeNull();
  });
  it("is nearest-rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
  });
});
