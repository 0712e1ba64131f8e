import { mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCairnError } from "@cairn/core";
import { beforeEach, describe, expect, it } from "vitest";
import { configFilePath, loadConfig, resolveSettings, saveConfig } from "../internal.js";

describe("config file and settings", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cairn-config-"));
  });

  it("places the file under XDG_CONFIG_HOME or ~/.config", () => {
    expect(configFilePath({ XDG_CONFIG_HOME: "/x/conf" }, "/home/u")).toBe(
      "/x/conf/cairn/config.json",
    );
    expect(configFilePath({ XDG_CONFIG_HOME: "relative" }, "/home/u")).toBe(
      "/home/u/.config/cairn/config.json",
    );
    expect(configFilePath({}, "/home/u")).toBe("/home/u/.config/cairn/config.json");
  });

  it("saves with mode 0600, merges updates and loads them back", async () => {
    const path = join(dir, "cairn", "config.json");
    expect(await loadConfig(path)).toEqual({});
    await saveConfig({ baseUrl: "http://a:1", apiKey: "cairn_k_s" }, path);
    await saveConfig({ entity: "team", apiKey: undefined }, path);
    expect(await loadConfig(path)).toEqual({
      baseUrl: "http://a:1",
      apiKey: "cairn_k_s",
      entity: "team",
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("refuses a damaged file with a message saying how to fix it", async () => {
    const path = join(dir, "config.json");
    await writeFile(path, "{not json");
    await expect(loadConfig(path)).rejects.toSatisfy(
      (e) => isCairnError(e, "INVALID_INPUT") && /cairn login/.test((e as Error).message),
    );
    await writeFile(path, JSON.stringify({ apiKey: 42 }));
    await expect(loadConfig(path)).rejects.toSatisfy((e) => isCairnError(e, "INVALID_INPUT"));
  });

  it("resolves options, then env, then the config file", async () => {
    const path = join(dir, "config.json");
    await saveConfig(
      { baseUrl: "http://file:1/", apiKey: "file-key", entity: "fe", project: "fp" },
      path,
    );
    expect(resolveSettings({}, {}, path)).toEqual({
      baseUrl: "http://file:1",
      apiKey: "file-key",
      entity: "fe",
      project: "fp",
    });
    expect(
      resolveSettings(
        { project: "op" },
        { CAIRN_BASE_URL: "http://env:2", CAIRN_ENTITY: "ee" },
        path,
      ),
    ).toEqual({ baseUrl: "http://env:2", apiKey: "file-key", entity: "ee", project: "op" });
    expect(() => resolveSettings({}, {}, join(dir, "none.json"))).toThrow(
      expect.objectContaining({
        code: "INVALID_INPUT",
        message: expect.stringMatching(/CAIRN_BASE_URL/),
      }),
    );
    expect(() => resolveSettings({ baseUrl: "not a url" }, {}, path)).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });
});
