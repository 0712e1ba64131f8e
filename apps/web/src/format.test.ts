import { describe, expect, it } from "vitest";
import { formatBytes, parseList, shortDigest } from "./format.js";

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
});
