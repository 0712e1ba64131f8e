import { describe, expect, it } from "vitest";
import { parseRangeHeader } from "./range-header.js";

describe("parseRangeHeader", () => {
  it("resolves closed, open and suffix ranges, clamping the end to the last byte", () => {
    expect(parseRangeHeader("bytes=0-9", 100)).toEqual({ start: 0, end: 9 });
    expect(parseRangeHeader("bytes=90-", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRangeHeader("bytes=-10", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRangeHeader("bytes=-500", 100)).toEqual({ start: 0, end: 99 });
    expect(parseRangeHeader("bytes=50-5000", 100)).toEqual({ start: 50, end: 99 });
  });

  it("reports ranges past the end as unsatisfiable", () => {
    expect(parseRangeHeader("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRangeHeader("bytes=-0", 100)).toBe("unsatisfiable");
    expect(parseRangeHeader("bytes=0-", 0)).toBe("unsatisfiable");
  });

  it("ignores absent, malformed, multi-range and other-unit headers (whole body)", () => {
    for (const header of [
      undefined,
      "",
      "bytes=",
      "bytes=-",
      "bytes=9-3",
      "items=0-1",
      "bytes=0-1,5-6",
      "bytes=a-b",
    ]) {
      expect(parseRangeHeader(header, 100)).toBeUndefined();
    }
  });
});
