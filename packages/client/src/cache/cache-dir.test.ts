import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveCacheDir } from "../internal.js";

describe("resolveCacheDir", () => {
  it("prefers CAIRN_CACHE_DIR, then $XDG_CACHE_HOME/cairn, then ~/.cache/cairn", () => {
    expect(resolveCacheDir({ CAIRN_CACHE_DIR: "/x/c", XDG_CACHE_HOME: "/xdg" }, "/home/u")).toBe(
      resolve("/x/c"),
    );
    expect(resolveCacheDir({ XDG_CACHE_HOME: "/xdg" }, "/home/u")).toBe(join("/xdg", "cairn"));
    expect(resolveCacheDir({}, "/home/u")).toBe(join("/home/u", ".cache", "cairn"));
  });

  it("ignores a relative XDG_CACHE_HOME and an empty CAIRN_CACHE_DIR", () => {
    expect(resolveCacheDir({ CAIRN_CACHE_DIR: "", XDG_CACHE_HOME: "rel" }, "/h")).toBe(
      join("/h", ".cache", "cairn"),
    );
  });
});
