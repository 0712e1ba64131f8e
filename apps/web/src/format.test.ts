import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatDuration,
  formatJson,
  formatNumber,
  parseList,
  shortDigest,
} from "./format.js";

describe("format", () => {
  it("formats bytes in binary units", () => {
    expect(formatBytes(null)).toBe("—");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5.00 GiB");
  });
  it("shortens digests and parses typed lists", () => {
    expect(shortDigest("abcdef0123456789", 6)).toBe("abcdef…");
    expect(shortDigest("abc", 6)).toBe("abc");
    expect(parseList(" a, b  c,,a ")).toEqual(["a", "b", "c"]);
  });
  it("formats numbers, durations and JSON without float noise", () => {
    expect(formatNumber(0.45999999999999996)).toBe("0.46");
    expect(formatNumber(1234567)).toBe("1,234,567");
    expect(formatNumber(0.8500001234)).toBe("0.85");
    expect(formatDuration(350)).toBe("350ms");
    expect(formatDuration(4200)).toBe("4.2s");
    expect(formatDuration(187_000)).toBe("3m 07s");
    expect(formatDuration(3_720_000)).toBe("1h 02m");
    expect(formatJson({ acc: 0.1 + 0.2, n: 3 })).toBe('{\n  "acc": 0.3,\n  "n": 3\n}');
  });
});
