import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHarness, startCliHarness } from "./cli.test-helpers.js";

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

describe("cairn users, teams and partial get (built CLI, embedded engines)", () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCliHarness({ db: "pglite", blobs: "fs", jobs: "inprocess" });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it("5. users create|ls|disable|enable and teams create|add|ls|rm work as their messages promise", async () => {
    const created = await h.cairn(["users", "create", "dana", "--json"]);
    expect(created.code).toBe(0);
    const { apiKey } = created.json();
    expect(apiKey).toMatch(/^cairn_/);
    const asDana = { ...h.env, CAIRN_API_KEY: apiKey, CAIRN_PROJECT: "notes" };
    expect((await h.cairn(["whoami", "--json"], { env: asDana })).json().user.name).toBe("dana");

    const ls = await h.cairn(["users", "ls"]);
    expect(ls.stdout).toMatch(/dana\s+\S.*active/);

    // Dana is no site admin: the server names the command a site admin would run.
    const refused = await h.cairn(["users", "create", "eve"], { env: asDana });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("cairn users create");

    expect((await h.cairn(["teams", "create", "optics"])).stdout).toContain("created team optics");
    expect((await h.cairn(["teams", "add", "optics", "dana"])).code).toBe(0);
    const mine = await h.cairn(["teams", "ls", "--json"], { env: asDana });
    expect(mine.json()).toEqual([expect.objectContaining({ name: "optics", role: "member" })]);
    const members = await h.cairn(["teams", "ls", "optics"]);
    expect(members.stdout).toMatch(/dana\s+member/);
    expect((await h.cairn(["teams", "rm", "optics", "dana"])).code).toBe(0);
    expect((await h.cairn(["teams", "ls", "--json"], { env: asDana })).json()).toEqual([]);

    expect((await h.cairn(["users", "disable", "dana"])).stdout).toContain("disabled dana");
    const locked = await h.cairn(["whoami"], { env: asDana });
    expect(locked.code).toBe(4);
    expect(locked.stderr).toMatch(/error: .*disabled/);
    expect((await h.cairn(["users", "ls", "--json"])).json()).toContainEqual(
      expect.objectContaining({ name: "dana", disabledAt: expect.any(String) }),
    );
    await h.cairn(["users", "enable", "dana"]);
    expect((await h.cairn(["whoami"], { env: asDana })).code).toBe(0);
  });

  it("8. cairn get --include/--exclude/--prefix fetches only the matching entries", async () => {
    const { dir } = h;
    write(join(dir, "photos/images/a/x.png"), "x");
    write(join(dir, "photos/images/a/y.jpg"), "y");
    write(join(dir, "photos/images/b/z.png"), "z");
    write(join(dir, "photos/images/b/skip.png"), "s");
    write(join(dir, "photos/labels.csv"), "l");
    const put = await h.cairn(["put", "photos", "--name", "photos", "--type", "dataset"]);
    expect(put.code).toBe(0);
    const get = await h.cairn([
      "get",
      "photos:v0",
      "--root",
      "only-png",
      "--include",
      "images/**/*.png",
      "--exclude",
      "**/skip.png",
    ]);
    expect(get.code).toBe(0);
    expect(readdirSync(join(dir, "only-png"))).toEqual(["images"]);
    expect(readdirSync(join(dir, "only-png/images/a"))).toEqual(["x.png"]);
    expect(readdirSync(join(dir, "only-png/images/b"))).toEqual(["z.png"]);
    const prefixed = await h.cairn([
      "get",
      "photos:v0",
      "--root",
      "only-a",
      "--prefix",
      "images/a/",
    ]);
    expect(prefixed.code).toBe(0);
    expect(readdirSync(join(dir, "only-a/images/a")).sort()).toEqual(["x.png", "y.jpg"]);
    expect(readFileSync(join(dir, "only-a/images/a/x.png"), "utf8")).toBe("x");
  });
});
