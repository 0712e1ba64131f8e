import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestServerOptions } from "@cairn/api/testing";
import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHarness, startCliHarness } from "./cli.test-helpers.js";

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

/** Every command of the CLI, spawned as a user would, against one engine set. */
function cliSuite(engine: TestServerOptions): void {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCliHarness(engine);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it("walks the README: login, put, get, alias, diff, lineage", async () => {
    const { dir } = h;
    // cairn login stores the key (0600) and the defaults; later commands need no CAIRN_* env.
    const bare = {
      HOME: h.env.HOME!,
      XDG_CONFIG_HOME: h.env.XDG_CONFIG_HOME!,
      CAIRN_CACHE_DIR: h.env.CAIRN_CACHE_DIR!,
    };
    const login = await h.cairn(["login", "--base-url", h.server.baseUrl, "--project", "default"], {
      env: bare,
      input: `${h.server.adminKey}\n`,
    });
    expect(login.stderr).toBe("");
    expect(login.stdout).toContain(`Logged in to ${h.server.baseUrl} as admin`);
    const configFile = join(h.env.XDG_CONFIG_HOME!, "cairn", "config.json");
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(configFile, "utf8"))).toMatchObject({
      baseUrl: h.server.baseUrl,
      apiKey: h.server.adminKey,
      project: "default",
    });
    const who = await h.cairn(["whoami", "--json"], { env: bare });
    expect(who.json().user.name).toBe("admin");

    write(join(dir, "data/train.csv"), "a,b\n1,2\n");
    write(join(dir, "data/test.csv"), "a,b\n3,4\n");
    const put0 = await h.cairn(
      ["put", "data", "--name", "mnist", "--type", "dataset", "--alias", "baseline"],
      { env: bare },
    );
    expect(put0.code).toBe(0);
    expect(put0.stdout).toMatch(/^admin\/default\/mnist:v0 {2}\(new version, uploaded 2 file/);
    const again = await h.cairn(["put", "data", "--name", "mnist", "--type", "dataset"], {
      env: bare,
    });
    expect(again.stdout).toContain("admin/default/mnist:v0  (deduplicated");

    write(join(dir, "data/train.csv"), "a,b\n1,2\n5,6\n");
    write(join(dir, "data/extra.csv"), "x\n");
    const put1 = await h.cairn(["put", "data", "--name", "mnist", "--type", "dataset", "--json"], {
      env: bare,
    });
    const logged = put1.json();
    expect(logged).toMatchObject({ ref: "admin/default/mnist:v1", created: true });
    expect(logged.info.fileCount).toBe(3);

    const get = await h.cairn(["get", "mnist:v0", "--root", "restored"], { env: bare });
    expect(get.stdout).toContain("admin/default/mnist:v0 → ");
    expect(readFileSync(join(dir, "restored/train.csv"), "utf8")).toBe("a,b\n1,2\n");
    expect((await h.cairn(["verify", "mnist:v0", "restored"], { env: bare })).stdout).toContain(
      "ok:",
    );

    const alias = await h.cairn(["alias", "set", "mnist:v1", "production"], { env: bare });
    expect(alias.stdout).toContain("production → admin/default/mnist:v1");

    const diff = await h.cairn(["diff", "mnist:baseline", "mnist:production"], { env: bare });
    expect(diff.stdout.split("\n")).toEqual(
      expect.arrayContaining(["+ extra.csv  2 B", "~ train.csv  8 B → 12 B"]),
    );

    write(join(dir, "model.pt"), "weights");
    const model = await h.cairn(
      [
        "put",
        "model.pt",
        "--name",
        "classifier",
        "--type",
        "model",
        "--use",
        "mnist:production",
        "--job-type",
        "train",
      ],
      { env: bare },
    );
    expect(model.code).toBe(0);
    const up = await h.cairn(["lineage", "classifier:latest", "--up"], { env: bare });
    const lines = up.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("classifier:v0");
    expect(lines[1]).toBe("↑ upstream");
    expect(lines[2]).toMatch(/^└─ run \S+ \(train\)$/);
    expect(lines[3]).toBe("   └─ mnist:v1");
    const down = await h.cairn(["lineage", "mnist:v1", "--down", "--json"], { env: bare });
    const graph = down.json();
    expect(graph.nodes.map((n: { label: string }) => n.label)).toContain("classifier:v0");
  }, 120_000);

  it("lists, inspects and edits versions, with --json on every listing", async () => {
    write(join(h.dir, "ds/one.txt"), "one");
    await h.cairn([
      "put",
      "ds",
      "--name",
      "edits",
      "--type",
      "dataset",
      "--metadata",
      '{"rows":1}',
      "--description",
      "first",
    ]);
    write(join(h.dir, "ds/two.txt"), "two");
    await h.cairn(["put", "ds", "--name", "edits", "--type", "dataset", "--alias", "keep"]);

    const collections = (await h.cairn(["ls", "--json"])).json();
    expect(collections.find((c: { name: string }) => c.name === "edits")).toMatchObject({
      type: "dataset",
      versionCount: 2,
    });
    const table = await h.cairn(["ls", "default"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME +TYPE +VERSIONS/);
    expect(table.stdout).toMatch(/edits +dataset +2/);

    const versions = (await h.cairn(["ls", "edits", "--json"])).json();
    expect(versions.map((v: { version: string }) => v.version).sort()).toEqual(["v0", "v1"]);
    const human = await h.cairn(["ls", "edits"]);
    expect(human.stdout).toMatch(/v1 +keep,latest|v1 +latest,keep/);

    const files = (await h.cairn(["files", "edits:v1", "--json"])).json();
    expect(files.map((f: { path: string }) => f.path)).toEqual(["one.txt", "two.txt"]);
    const info = (await h.cairn(["info", "edits:v0", "--json"])).json();
    expect(info).toMatchObject({
      ref: "admin/default/edits:v0",
      metadata: { rows: 1 },
      description: "first",
      fileCount: 1,
    });
    expect(info.loggedBy.jobType).toBe("cli-put");
    expect((await h.cairn(["info", "edits:v0"])).stdout).toMatch(
      /^logged by: +run \S+ \(cli-put\)$/m,
    );

    const ttl = (await h.cairn(["ttl", "edits:v0", "30d", "--json"])).json();
    expect(ttl.ttl).toBe("30d");
    expect(ttl.expiresAt).not.toBeNull();

    await h.cairn(["alias", "set", "edits:v0", "old"]);
    const held = await h.cairn(["rm", "edits:v0"]);
    expect(held.code).toBe(5);
    expect(held.stderr.trim().split("\n")).toHaveLength(1);
    const rmAlias = await h.cairn(["alias", "rm", "edits", "old", "--json"]);
    expect(rmAlias.code).toBe(0);
    const removed = await h.cairn(["rm", "edits:v1", "--delete-aliases", "--json"]);
    expect(removed.json()).toEqual({ deleted: "admin/default/edits:v1" });
    expect((await h.cairn(["get", "edits:v1"])).code).toBe(3);
  }, 120_000);

  it("takes part in a parallel write with --distributed-id, and lists runs", async () => {
    write(join(h.dir, "p1/part-0.txt"), "zero");
    write(join(h.dir, "p2/part-1.txt"), "one");
    const a = await h.cairn([
      "put",
      "p1",
      "--name",
      "table",
      "--type",
      "dataset",
      "--distributed-id",
      "job-7",
    ]);
    expect(a.stdout).toContain("upserted 1 file(s) into the draft of table");
    const b = await h.cairn([
      "put",
      "p2",
      "--name",
      "table",
      "--type",
      "dataset",
      "--distributed-id",
      "job-7",
      "--json",
    ]);
    expect(b.json()).toMatchObject({ distributedId: "job-7", files: 1 });
    const done = await h.cairn([
      "finish",
      "table",
      "--type",
      "dataset",
      "--distributed-id",
      "job-7",
      "--alias",
      "merged",
      "--json",
    ]);
    expect(done.code).toBe(0);
    expect(done.json().info).toMatchObject({ fileCount: 2, version: "v0" });
    expect(done.json().info.aliases).toContain("merged");

    const runs = (
      await h.cairn(["runs", "ls", "--group", "job-7", "--sort", "createdAt", "--json"])
    ).json();
    expect(runs).toHaveLength(2);
    expect(
      runs.every(
        (r: { group: string; state: string }) => r.group === "job-7" && r.state === "finished",
      ),
    ).toBe(true);
    const runTable = await h.cairn(["runs", "ls", "--group", "job-7"]);
    expect(runTable.stdout.split("\n")[0]).toMatch(/^ID +JOB TYPE +GROUP/);
  }, 120_000);

  it("manages keys, projects and the local cache", async () => {
    const created = (await h.cairn(["keys", "create", "--label", "ci", "--json"])).json();
    expect(created.key).toMatch(/^cairn_/);
    const keys = (await h.cairn(["keys", "ls", "--json"])).json();
    expect(keys.map((k: { id: string }) => k.id)).toContain(created.id);
    // The new key works, then stops working once revoked.
    const asCi = { ...h.env, CAIRN_API_KEY: created.key };
    expect((await h.cairn(["whoami", "--json"], { env: asCi })).json().user.name).toBe("admin");
    expect((await h.cairn(["keys", "revoke", created.id])).code).toBe(0);
    const revoked = await h.cairn(["whoami"], { env: asCi });
    expect(revoked.code).toBe(4);

    const project = (
      await h.cairn(["project", "create", "shared", "--visibility", "public", "--json"])
    ).json();
    expect(project).toMatchObject({ entity: "admin", name: "shared", visibility: "public" });
    const bad = await h.cairn(["project", "create", "x", "--visibility", "secret"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("use private, public or open");

    await h.cairn(["get", "edits:v0", "--root", "cache-fill"]);
    const stats = (await h.cairn(["cache", "stats", "--json"])).json();
    expect(stats.dir).toBe(h.env.CAIRN_CACHE_DIR);
    expect(stats.blobs).toBeGreaterThan(0);
    const pruned = (await h.cairn(["cache", "prune", "--max-size", "0", "--json"])).json();
    expect(pruned.removedBlobs).toBe(stats.blobs);
    expect((await h.cairn(["cache", "stats", "--json"])).json()).toMatchObject({
      blobs: 0,
      bytes: 0,
    });
  }, 120_000);

  it("fails with one line and a distinct exit code per error family", async () => {
    const oneLine = (stderr: string) => {
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      // What happened, then what to do: the family hint, or the server's own instruction.
      expect(lines[0]).toMatch(/^error: .+(— .+|`cairn |CAIRN_[A-Z_]+)/);
      return lines[0]!;
    };
    const wrongRef = await h.cairn(["get", "Bad Name!"]);
    expect(wrongRef.code).toBe(2);
    expect(oneLine(wrongRef.stderr)).toContain("Invalid artifact reference");
    const missing = await h.cairn(["info", "nothing-here:v0"]);
    expect(missing.code).toBe(3);
    oneLine(missing.stderr);
    const missingProject = await h.cairn(["ls", "no-such-project"]);
    expect(missingProject.code).toBe(3);
    oneLine(missingProject.stderr);
    const noLogin = await h.cairn(["ls"], {
      env: { HOME: h.env.HOME!, XDG_CONFIG_HOME: join(h.dir, "empty") },
    });
    expect(noLogin.code).toBe(4);
    expect(oneLine(noLogin.stderr)).toContain("cairn login");
    const down = await h.cairn(["ls", "--json"], {
      env: { ...h.env, CAIRN_BASE_URL: "http://127.0.0.1:9" },
    });
    expect(down.code).toBe(6);
    expect(oneLine(down.stderr)).toContain("Cannot reach the Cairn server");
    const usage = await h.cairn(["put", "data"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("required option '--name <name>'");
    write(join(h.dir, "tampered/train.csv"), "a,b\n1,2\n");
    write(join(h.dir, "tampered/test.csv"), "changed");
    const verify = await h.cairn(["verify", "mnist:v0", "tampered", "--json"]);
    expect(verify.code).toBe(7);
    expect(verify.json().problems).toEqual([
      expect.objectContaining({ path: "test.csv", problem: "changed" }),
    ]);
    const help = await h.cairn(["diff", "--help"]);
    expect(help.stdout).toContain("Example:\n  $ cairn diff mnist:v1 mnist:v2");
    const completion = await h.cairn(["completion", "bash"]);
    expect(completion.stdout).toContain("complete -o default -F _cairn_complete cairn");
    expect(completion.stdout).toContain('"alias") words="set rm"');
  }, 120_000);
}

describe("cairn CLI [pglite+fs+inprocess]", () =>
  cliSuite({ db: "pglite", blobs: "fs", jobs: "inprocess" }));
await describeWithServices(["postgres", "redis"], "cairn CLI [postgres+fs+bullmq]", () =>
  cliSuite({ db: "postgres", blobs: "fs", jobs: "bullmq" }),
);
