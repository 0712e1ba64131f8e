import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isCairnError } from "@cairn/core";
import { expect, it } from "vitest";
import { Artifact, type Cairn } from "../index.js";
import { describeE2E } from "./harness.test-helpers.js";

/** Every error the promise rejects with, for message assertions. */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected a failure");
}

await describeE2E("a newcomer's first hour (seeds)", (env) => {
  it("1. init and logArtifact create a project of the caller's entity or team on first use, private; others stay NOT_FOUND", async () => {
    const { cairn, server, newCairn, dir } = env();
    const vision = newCairn({ project: "vision" });
    const run = await vision.init({ jobType: "dataset-creation" });
    expect(run.project).toBe("vision");
    const created = (await cairn.api().projects()).find((p) => p.name === "vision");
    expect(created?.visibility).toBe("private");

    // A second user: not a member of the admin's entity, so its projects stay invisible.
    const bob = await cairn.api().createUser("bob-first-hour");
    const asBob = newCairn({ apiKey: bob.apiKey, entity: "bob-first-hour", project: "mine" });
    const err = await failure(
      asBob.init({ jobType: "train", entity: server.adminName, project: "not-yours" }),
    );
    expect(isCairnError(err, "NOT_FOUND")).toBe(true);
    expect((await cairn.api().projects()).some((p) => p.name === "not-yours")).toBe(false);

    // Own entity and a team the caller belongs to: created on first use.
    expect((await asBob.init({ jobType: "train" })).project).toBe("mine");
    await cairn.api().createTeam("vision-lab");
    await cairn.api().addTeamMember("vision-lab", "bob-first-hour");
    const teamRun = await asBob.init({ jobType: "train", entity: "vision-lab", project: "exp" });
    const file = join(dir, "weights.bin");
    await writeFile(file, "w");
    const a = new Artifact({ name: "model", type: "model" });
    a.addFile(file);
    const logged = await teamRun.logArtifact(a).wait();
    expect(logged.qualifiedName).toBe("vision-lab/exp/model:v0");
    const teamProject = (await asBob.api().projects({ entity: "vision-lab" })).find(
      (p) => p.name === "exp",
    );
    expect(teamProject?.visibility).toBe("private");
  });

  it("2. resumes a run by id alone; only creating a run needs a jobType, said in a sentence", async () => {
    const { cairn } = env();
    const first = await cairn.init({ jobType: "train", id: "resume-me", config: { lr: 0.1 } });
    const resumed = await cairn.init({ id: "resume-me", resume: "allow" });
    expect(resumed.id).toBe(first.id);
    expect(resumed.jobType).toBe("train");
    const must = await cairn.init({ id: "resume-me", resume: "must" });
    expect(must.config).toMatchObject({ lr: 0.1 });

    const missing = await failure(cairn.init({ id: "never-started", resume: "allow" }));
    expect(isCairnError(missing, "INVALID_INPUT")).toBe(true);
    expect(missing.message).toMatch(
      /never-started does not exist.*needs a jobType.*pass \{ jobType \}/,
    );
    const fresh = await failure(cairn.init({}));
    expect(fresh.message).toMatch(/A new run needs a jobType/);
  });

  it("3. saveCode logs the main script and logCode a source tree as code artifacts the run used", async () => {
    const { cairn, dir } = env();
    const script = join(dir, "train.py");
    await writeFile(script, "print('hi')\n");
    const run = await cairn.init({ jobType: "train", saveCode: script });
    const used = await run.usedArtifacts();
    expect(used.map((a) => [a.name, a.type, a.manifest.entries.map((e) => e.path)])).toEqual([
      ["source-train.py", "code", ["train.py"]],
    ]);
    expect((await run.loggedArtifacts()).map((a) => a.name)).toEqual(["source-train.py"]);

    const tree = join(dir, "project-src");
    await mkdir(join(tree, "pkg"), { recursive: true });
    await mkdir(join(tree, "node_modules", "dep"), { recursive: true });
    await writeFile(join(tree, "main.ts"), "export {};\n");
    await writeFile(join(tree, "pkg", "util.py"), "x = 1\n");
    await writeFile(join(tree, "pkg", "data.csv"), "a,b\n");
    await writeFile(join(tree, "node_modules", "dep", "index.js"), "module.exports = 1;\n");
    const code = await run.logCode(tree);
    expect(code.type).toBe("code");
    expect(code.name).toBe("source-project-src");
    expect(code.manifest.entries.map((e) => e.path)).toEqual(["main.ts", "pkg/util.py"]);
    const custom = await run.logCode(tree, { name: "csv-only", include: ["**/*.csv"] });
    expect(custom.manifest.entries.map((e) => e.path)).toEqual(["pkg/data.csv"]);
    expect((await run.usedArtifacts()).map((a) => a.name).sort()).toEqual([
      "csv-only",
      "source-project-src",
      "source-train.py",
    ]);
  });

  it("4. every input validation failure is a sentence naming the field, the rule and the fix", async () => {
    const { cairn, server } = env();
    const ref = { entity: server.adminName, project: "default" };
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [
        () => cairn.trpc.runs.init.mutate({ ...ref, jobType: 5 as never }),
        /"jobType" must be a string, not number: pass a string\./,
      ],
      [
        () => cairn.trpc.runs.init.mutate({ ...ref, jobType: "t", resume: "maybe" as never }),
        /"resume" must be one of "never", "allow", "must"/,
      ],
      [
        () => cairn.trpc.runs.list.query({ ...ref, limit: 0 }),
        /"limit" must be at least 1: pass a larger value\./,
      ],
      [
        () => cairn.trpc.runs.init.mutate({ ...ref, project: "" }),
        /"project" must not be empty: pass at least one character\./,
      ],
      [() => cairn.trpc.runs.get.query({ ...ref } as never), /"id" is required: pass a string\./],
    ];
    for (const [call, expected] of cases) {
      const err = await failure(call());
      expect(err.message).toMatch(/^Invalid input to [a-zA-Z.]+: /);
      expect(err.message).toMatch(expected);
      // Never zod's raw issue list.
      expect(err.message).not.toMatch(/"code":|"expected":|^\s*\[/);
    }
    // Through the SDK the same sentence arrives as an INVALID_INPUT CairnError.
    const sdk = await failure(cairn.init({ jobType: "" }));
    expect(isCairnError(sdk, "INVALID_INPUT")).toBe(true);
    expect(sdk.message).toBe(
      'Invalid input to runs.init: "jobType" must not be empty: pass at least one character.',
    );
  });

  it("5. Api manages users and teams: create, list, disable (keys refused), membership", async () => {
    const { cairn, newCairn } = env();
    const api = cairn.api();
    const carol = await api.createUser("carol-first-hour");
    expect(carol.apiKey).toMatch(/^cairn_/);
    const asCarol = newCairn({ apiKey: carol.apiKey, entity: "carol-first-hour", project: "p" });
    expect((await asCarol.init({ jobType: "t" })).entity).toBe("carol-first-hour");
    expect((await api.users()).find((u) => u.name === "carol-first-hour")?.disabledAt).toBeNull();

    await api.createTeam("carol-team");
    await api.addTeamMember("carol-team", "carol-first-hour", { role: "admin" });
    expect((await api.teamMembers("carol-team")).map((m) => [m.name, m.role])).toContainEqual([
      "carol-first-hour",
      "admin",
    ]);
    expect((await asCarol.api().teams()).map((t) => [t.name, t.role])).toEqual([
      ["carol-team", "admin"],
    ]);
    await api.removeTeamMember("carol-team", "carol-first-hour");
    expect(await asCarol.api().teams()).toEqual([]);

    const forbidden = await failure(asCarol.api().users());
    expect(isCairnError(forbidden, "FORBIDDEN")).toBe(true);
    expect(forbidden.message).toContain("cairn users ls");

    const disabled = await api.disableUser("carol-first-hour");
    expect(disabled.disabledAt).not.toBeNull();
    const refused = await failure(asCarol.init({ jobType: "t" }));
    expect(isCairnError(refused, "UNAUTHORIZED")).toBe(true);
    expect(refused.message).toMatch(/disabled/);
    await api.enableUser("carol-first-hour");
    expect((await asCarol.init({ jobType: "t" })).entity).toBe("carol-first-hour");
  });

  it("8. download({ prefix, include, exclude }) fetches only matching entries, paging only matches from the server", async () => {
    const { cairn, dir, newCairn } = env();
    const src = join(dir, "partial-src");
    await mkdir(join(src, "images", "cats"), { recursive: true });
    await mkdir(join(src, "labels"), { recursive: true });
    for (let i = 0; i < 5; i += 1) {
      await writeFile(join(src, "images", "cats", `c${i}.png`), `cat ${i}`);
      await writeFile(join(src, "images", "cats", `c${i}.jpg`), `jpg ${i}`);
    }
    await writeFile(join(src, "images", "top.png"), "top");
    for (let i = 0; i < 120; i += 1) await writeFile(join(src, "labels", `l${i}.txt`), `${i}`);
    const run = await cairn.init({ jobType: "upload" });
    const a = new Artifact({ name: "partial", type: "dataset" });
    a.addDir(src);
    const logged = await run.logArtifact(a).wait();

    // The server pages only the prefix's entries.
    const page = await cairn.trpc.artifacts.manifest.query({
      entity: logged.entity,
      project: logged.project,
      ref: "partial:v0",
      prefix: "images/cats/",
      limit: 4,
    });
    expect(page.entries.map((e) => e.path)).toEqual([
      "images/cats/c0.jpg",
      "images/cats/c0.png",
      "images/cats/c1.jpg",
      "images/cats/c1.png",
    ]);
    expect(page.nextCursor).not.toBeNull();

    const urls: string[] = [];
    const counting: typeof fetch = (input, init) => {
      urls.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    const reader = newCairn({ fetch: counting });
    const lazy = await reader.api().artifact("partial:v0", { manifest: false });
    const root = join(dir, "partial-out");
    await lazy.download({ root, include: ["images/**/*.png"], exclude: ["**/c4.png"] });
    const got = [
      ...(await readdir(join(root, "images"))).filter((f) => f.endsWith(".png")),
      ...(await readdir(join(root, "images", "cats"))),
    ].sort();
    expect(got).toEqual(["c0.png", "c1.png", "c2.png", "c3.png", "top.png"]);
    await expect(readdir(join(root, "labels"))).rejects.toThrow();
    const manifestCalls = urls.filter((u) => u.includes("artifacts.manifest"));
    expect(manifestCalls).toHaveLength(1);
    expect(decodeURIComponent(manifestCalls[0]!)).toContain('"prefix":"images/"');

    // A loaded artifact filters locally; prefix alone works too.
    const full = await reader.api().artifact("partial:v0");
    const only = join(dir, "partial-prefix");
    await full.download({ root: only, prefix: "images/cats/c1" });
    expect((await readdir(join(only, "images", "cats"))).sort()).toEqual(["c1.jpg", "c1.png"]);
    expect(await readFile(join(only, "images", "cats", "c1.png"), "utf8")).toBe("cat 1");
    // The manifest of a lazily fetched version is there on request.
    const err = await failure(Promise.resolve().then(() => lazy.manifest));
    expect(err.message).toMatch(/loadManifest/);
    expect((await lazy.loadManifest()).entries).toHaveLength(131);
  });

  it("9. loggedBy()/usedBy() return runs to keep walking; manifest.get(path) finds one entry", async () => {
    const { cairn, dir } = env();
    const producer = await cairn.init({ jobType: "make" });
    const input = new Artifact({ name: "walk-input", type: "dataset" });
    const f = join(dir, "walk.txt");
    await writeFile(f, "walk");
    input.addFile(f, { name: "data/walk.txt" });
    const raw = await producer.logArtifact(input).wait();
    const trainer = await cairn.init({ jobType: "train" });
    await trainer.useArtifact(raw.qualifiedName);
    const model = new Artifact({ name: "walk-model", type: "model" });
    await model.newFile("m.bin").write("m");
    const logged = await trainer.logArtifact(model).wait();

    const fetched = await cairn.api().artifact("walk-model:latest");
    const by = await fetched.loggedBy();
    expect(by?.id).toBe(trainer.id);
    expect(by?.jobType).toBe("train");
    // Seed 003: producer_run.used_artifacts(), no second lookup.
    const inputs = (await by?.usedArtifacts()) ?? [];
    expect(inputs.map((a) => a.qualifiedName)).toEqual([raw.qualifiedName]);
    const consumers = await inputs[0]!.usedBy();
    expect(consumers.map((r) => r.id)).toEqual([trainer.id]);
    expect((await consumers[0]!.loggedArtifacts()).map((a) => a.qualifiedName)).toEqual([
      logged.qualifiedName,
    ]);

    expect(inputs[0]!.manifest.get("data/walk.txt")?.size).toBe(4);
    expect(inputs[0]!.manifest.get("./data/walk.txt")?.path).toBe("data/walk.txt");
    expect(inputs[0]!.manifest.get("missing.txt")).toBeUndefined();
  });
});

// A reminder that the SDK's public surface includes what these tests use.
export type { Cairn };
