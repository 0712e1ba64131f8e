import { expect, it } from "vitest";
import { startWebhookReceiver } from "../src/testing/webhook-receiver.js";
import {
  type Client,
  clientFor,
  expectRefused,
  type Harness,
  newUser,
  sha256,
  uniqueName,
  uploadFiles,
} from "./http.test-helpers.js";

/**
 * Every procedure of every router, called over real HTTP with the typed client, in the order a
 * user meets them. Grouped assertions: each test is one realistic workflow, not one call.
 */
export function registerProcedureTests(current: () => Harness): void {
  const admin = (): Client => clientFor(current(), current().server.adminKey);

  it("health and accounts: ping, whoami, users, teams, members and API keys", async () => {
    const harness = current();
    // The harness's own batching client works too (httpBatchLink over the same route).
    expect(await harness.server.client.health.ping.query()).toEqual({
      ok: true,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(await clientFor(harness, null).api.health.ping.query()).toMatchObject({ ok: true });

    const root = admin();
    const me = await root.api.accounts.whoami.query();
    expect(me).toMatchObject({ user: { name: harness.server.adminName }, isSiteAdmin: true });

    const alice = await newUser(harness, root, "alice");
    const bob = await newUser(harness, root, "bob");
    expect(await alice.client.api.accounts.whoami.query()).toMatchObject({
      user: { id: alice.id, name: alice.name },
      isSiteAdmin: false,
    });
    await expectRefused(
      alice.client.api.accounts.createUser.mutate({ name: uniqueName("x") }),
      403,
    );

    const team = uniqueName("team");
    await alice.client.api.accounts.createTeam.mutate({ name: team });
    await alice.client.api.accounts.setMember.mutate({ team, user: bob.name, role: "member" });
    const members = await alice.client.api.accounts.listMembers.query({ team });
    expect(members.map((m) => [m.name, m.role]).sort()).toEqual(
      [
        [alice.name, "admin"],
        [bob.name, "member"],
      ].sort(),
    );
    const bobsView = await bob.client.api.accounts.whoami.query();
    expect(bobsView.entities).toContainEqual(
      expect.objectContaining({ name: team, kind: "team", role: "member" }),
    );
    await alice.client.api.accounts.removeMember.mutate({ team, user: bob.name });
    expect(
      (await alice.client.api.accounts.listMembers.query({ team })).map((m) => m.name),
    ).toEqual([alice.name]);

    const issued = await alice.client.api.accounts.createApiKey.mutate({ label: "ci" });
    expect(issued.key).toMatch(/^cairn_/);
    const second = clientFor(harness, issued.key);
    expect((await second.api.accounts.whoami.query()).user.name).toBe(alice.name);
    const keys = await alice.client.api.accounts.listApiKeys.query();
    expect(keys.map((k) => k.id)).toContain(issued.id);
    await alice.client.api.accounts.revokeApiKey.mutate({ id: issued.id });
    await expectRefused(second.api.accounts.whoami.query(), 401);
    expect(second.lastStatus()).toBe(401);
  });

  it("site admin: users and teams listed, a user disabled and enabled again", async () => {
    const harness = current();
    const root = admin().api;
    const user = await newUser(harness, admin(), "adm");
    expect((await root.accounts.listUsers.query()).map((u) => u.name)).toContain(user.name);
    const team = uniqueName("team");
    await root.accounts.createTeam.mutate({ name: team });
    expect((await root.accounts.listTeams.query()).map((t) => t.name)).toContain(team);
    await root.accounts.setUserDisabled.mutate({ user: user.name, disabled: true });
    await expectRefused(user.client.api.accounts.whoami.query(), 401);
    await root.accounts.setUserDisabled.mutate({ user: user.name, disabled: false });
    expect((await user.client.api.accounts.whoami.query()).user.name).toBe(user.name);
  });

  it("site admin: repack is refused to anyone else, and names the setting on a pack-less store", async () => {
    const harness = current();
    const user = await newUser(harness, admin(), "repack");
    await expectRefused(user.client.api.admin.repack.mutate({}), 403);
    // This harness stores one object per blob (no pack index): a repack has nowhere to go. The
    // packed path is covered end to end by packages/cli/src/admin-repack.test.ts.
    await expect(admin().api.admin.repack.mutate({})).rejects.toThrow(/CAIRN_PACK_THRESHOLD/);
  });

  it("webhooks: create, list, deliveries, redeliver, rotate, events, remove", async () => {
    const harness = current();
    const owner = await newUser(harness, admin(), "hook");
    const c = owner.client.api;
    const P = { entity: owner.name, project: uniqueName("p") };
    await c.projects.create.mutate({ entity: P.entity, name: P.project });
    const receiver = await startWebhookReceiver();
    try {
      const hook = await c.hooks.create.mutate({ ...P, url: receiver.url });
      expect((await c.hooks.list.query(P)).map((h) => h.id)).toEqual([hook.id]);
      const entries = await uploadFiles(owner.client, P, { "a.txt": Buffer.from("hooked") });
      await c.artifacts.log.mutate({ ...P, name: "ds", type: "dataset", entries });
      await receiver.waitFor((all) => all.length > 0);
      const { deliveries } = await c.hooks.deliveries.query({ id: hook.id });
      expect(deliveries.length).toBeGreaterThan(0);
      await c.hooks.redeliver.mutate({ id: hook.id, deliveryId: deliveries[0]!.id });
      await c.hooks.rotateSecret.mutate({ id: hook.id });
      const { events } = await c.hooks.events.query(P);
      expect(events.map((e) => e.type)).toContain("version.created");
      await c.hooks.remove.mutate({ id: hook.id });
      expect(await c.hooks.list.query(P)).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it("projects and runs: create, read, list, settings; init/resume, update, finish, list", async () => {
    const harness = current();
    const owner = await newUser(harness, admin(), "proj");
    const c = owner.client.api;
    const P = { entity: owner.name, project: uniqueName("p") };
    await c.projects.create.mutate({ entity: P.entity, name: P.project, description: "d" });
    expect(await c.projects.get.query(P)).toMatchObject({ name: P.project, visibility: "private" });
    const anon = clientFor(harness, null).api;
    await expectRefused(anon.projects.get.query(P), 404);
    expect((await anon.projects.list.query({ entity: P.entity })).map((p) => p.name)).toEqual([]);
    await c.projects.setVisibility.mutate({ ...P, visibility: "public" });
    expect((await anon.projects.list.query({ entity: P.entity })).map((p) => p.name)).toEqual([
      P.project,
    ]);
    expect(await c.projects.setProtectedAliases.mutate({ ...P, aliases: ["prod"] })).toMatchObject({
      protectedAliases: ["prod"],
    });

    const run = await c.runs.init.mutate({ ...P, id: "r1", jobType: "train", config: { lr: 0.1 } });
    expect(run).toMatchObject({ id: "r1", jobType: "train", config: { lr: 0.1 } });
    await expectRefused(c.runs.init.mutate({ ...P, id: "r1", jobType: "train" }), 409);
    await expectRefused(
      c.runs.init.mutate({ ...P, id: "nope", jobType: "train", resume: "must" }),
      404,
    );
    expect(
      (await c.runs.init.mutate({ ...P, id: "r1", jobType: "train", resume: "allow" })).id,
    ).toBe("r1");
    await c.runs.init.mutate({ ...P, id: "r2", jobType: "train", group: "g" });
    await c.runs.update.mutate({ ...P, id: "r1", summary: { val_acc: 0.5 } });
    await c.runs.update.mutate({ ...P, id: "r2", summary: { val_acc: 0.9 } });
    expect(await c.runs.finish.mutate({ ...P, id: "r1", state: "finished" })).toMatchObject({
      state: "finished",
    });
    expect(await anon.runs.get.query({ ...P, id: "r2" })).toMatchObject({
      summary: { val_acc: 0.9 },
      group: "g",
    });
    const listed = await anon.runs.list.query({ ...P, orderBy: "-summary.val_acc" });
    expect(listed.runs.map((r) => r.id)).toEqual(["r2", "r1"]);
    expect((await anon.runs.list.query({ ...P, group: "g" })).runs.map((r) => r.id)).toEqual([
      "r2",
    ]);
  });

  it("blobs and artifacts: upload, log, read, download, edit, diff, storage, audit, lineage", async () => {
    const harness = current();
    const owner = await newUser(harness, admin(), "art");
    const c = owner.client.api;
    const P = { entity: owner.name, project: uniqueName("p") };
    await c.projects.create.mutate({ entity: P.entity, name: P.project, visibility: "public" });
    const files = { "data/a.txt": Buffer.from("alpha"), "data/b.txt": Buffer.from("bravo!") };
    const entries = await uploadFiles(owner.client, P, files);
    // Only the caller's own presigned or multipart upload session can be completed: a digest
    // alone (even of bytes this caller sent through the server) completes nothing (issue 14).
    await expect(
      c.blobs.complete.mutate({ ...P, digest: entries[0]!.digest, size: entries[0]!.size }),
    ).rejects.toMatchObject({ data: { domainCode: "NOT_FOUND" } });
    // Dedup: what the entity owns is no longer missing.
    expect(
      (
        await c.blobs.missing.mutate({
          ...P,
          blobs: entries.map(({ digest, size }) => ({ digest, size })),
        })
      ).missing,
    ).toEqual([]);

    await c.runs.init.mutate({ ...P, id: "prep", jobType: "preprocess" });
    const v0 = await c.artifacts.log.mutate({
      ...P,
      name: "ds",
      type: "dataset",
      entries,
      runId: "prep",
      aliases: ["best"],
      metadata: { rows: 2 },
    });
    expect(v0).toMatchObject({
      created: true,
      version: { version: "v0", fileCount: 2, size: 11, aliases: expect.arrayContaining(["best"]) },
    });
    const again = await c.artifacts.log.mutate({ ...P, name: "ds", type: "dataset", entries });
    expect([again.created, again.version.digest]).toEqual([false, v0.version.digest]);
    const extra = await uploadFiles(owner.client, P, { "data/c.txt": Buffer.from("charlie") });
    const v1 = await c.artifacts.log.mutate({
      ...P,
      name: "ds",
      type: "dataset",
      entries: [entries[0]!, ...extra],
    });
    expect(v1.version.version).toBe("v1");

    const anon = clientFor(harness, null).api;
    expect(await anon.artifacts.get.query({ ...P, ref: "ds:best" })).toMatchObject({
      version: "v0",
      metadata: { rows: 2 },
    });
    const cols = await anon.artifacts.listCollections.query(P);
    expect(cols.collections).toMatchObject([{ name: "ds", type: "dataset", versionCount: 2 }]);
    const versions = await anon.artifacts.listVersions.query({ ...P, name: "ds" });
    expect(versions.versions.map((v) => v.version).sort()).toEqual(["v0", "v1"]);
    const manifest = await anon.artifacts.manifest.query({ ...P, ref: "ds:v0", limit: 1 });
    expect(manifest.entries.map((e) => e.path)).toEqual(["data/a.txt"]);
    const rest = await anon.artifacts.manifest.query({ ...P, ref: "ds:v0", after: "data/a.txt" });
    expect(rest.entries.map((e) => e.path)).toEqual(["data/b.txt"]);
    expect(await anon.artifacts.entry.query({ ...P, ref: "ds:v0", path: "data/b.txt" })).toEqual(
      expect.objectContaining({ digest: sha256(files["data/b.txt"]), size: 6 }),
    );

    // Folder totals and path search over the whole version (the web app's file tree).
    const { folders } = await anon.artifacts.folders.query({ ...P, ref: "ds:v0" });
    expect(folders).toEqual([{ path: "data", files: 2, bytes: 11 }]);
    const found = await anon.artifacts.findFiles.query({ ...P, ref: "ds:v0", query: "B.TXT" });
    expect(found.entries.map((e) => e.path)).toEqual(["data/b.txt"]);

    // Download every file of v0 through its URL and check the bytes against the digest.
    const { urls } = await anon.artifacts.fileUrls.query({
      ...P,
      ref: "ds:v0",
      digests: entries.map((e) => e.digest),
    });
    expect(urls).toHaveLength(2);
    for (const entry of entries) {
      const target = urls.find((u) => u.digest === entry.digest);
      const response = await fetch(target!.url, { headers: target!.headers });
      expect(response.status).toBe(200);
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(sha256(bytes)).toBe(entry.digest);
      expect(bytes.equals(files[entry.path as keyof typeof files])).toBe(true);
    }

    // The same URLs as a POST (long digest lists), and the re-log fast path by version digest.
    const batch = await c.artifacts.fileUrlsBatch.mutate({
      ...P,
      ref: "ds:v0",
      digests: entries.map((e) => e.digest),
    });
    expect(batch.urls.map((u) => u.digest).sort()).toEqual(entries.map((e) => e.digest).sort());
    const relog = await c.artifacts.relog.mutate({
      ...P,
      name: "ds",
      type: "dataset",
      digest: v0.version.digest,
      aliases: ["again"],
    });
    expect(relog.version).toMatchObject({
      version: "v0",
      aliases: expect.arrayContaining(["again", "latest"]),
    });
    const miss = await c.artifacts.relog.mutate({
      ...P,
      name: "ds",
      type: "dataset",
      digest: "0".repeat(64),
    });
    expect(miss.version).toBeNull();
    // Put latest back on v1 for what follows.
    await c.artifacts.setAlias.mutate({ ...P, ref: "ds:v1", alias: "latest" });

    expect(
      await c.artifacts.update.mutate({ ...P, ref: "ds:v1", description: "second", tags: ["t1"] }),
    ).toMatchObject({ description: "second", tags: ["t1"] });
    expect(
      (await c.artifacts.setAlias.mutate({ ...P, ref: "ds:v1", alias: "best" })).aliases,
    ).toContain("best");
    expect(await c.artifacts.removeAlias.mutate({ ...P, name: "ds", alias: "best" })).toEqual({
      alias: "best",
      removedFrom: "v1",
    });
    const diff = await anon.artifacts.diff.query({ ...P, a: "ds:v0", b: "ds:v1" });
    expect([diff.added.map((e) => e.path), diff.removed.map((e) => e.path)]).toEqual([
      ["data/c.txt"],
      ["data/b.txt"],
    ]);
    expect(await anon.artifacts.storage.query(P)).toMatchObject({
      logicalBytes: 11 + 12,
      uniqueBytes: 5 + 6 + 7,
      versions: 2,
      files: 4,
    });
    const audit = await anon.artifacts.audit.query({ ...P, name: "ds" });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(["alias.set", "alias.remove"]),
    );
    expect(
      await c.artifacts.setCollection.mutate({ ...P, name: "ds", description: "D" }),
    ).toMatchObject({ name: "ds", description: "D" });

    // Lineage: prep logged ds:v0, train used it.
    await c.runs.init.mutate({ ...P, id: "train", jobType: "train" });
    expect(await c.artifacts.use.mutate({ ...P, ref: "ds:v0", runId: "train" })).toMatchObject({
      version: "v0",
    });
    expect(await anon.lineage.loggedBy.query({ ...P, ref: "ds:v0" })).toMatchObject({ id: "prep" });
    expect((await anon.lineage.usedBy.query({ ...P, ref: "ds:v0" })).map((r) => r.id)).toEqual([
      "train",
    ]);
    expect(
      (await anon.lineage.loggedArtifacts.query({ ...P, runId: "prep" })).map((v) => v.version),
    ).toEqual(["v0"]);
    expect(
      (await anon.lineage.usedArtifacts.query({ ...P, runId: "train" })).map((v) => v.name),
    ).toEqual(["ds"]);
    const graph = await anon.lineage.graph.query({ ...P, root: { kind: "run", id: "train" } });
    expect(graph.nodes.map((n) => n.label).sort()).toEqual(["ds:v0", "prep", "train"].sort());
    expect(graph.edges.map((e) => e.kind).sort()).toEqual(["logged", "used"]);

    await expectRefused(c.artifacts.delete.mutate({ ...P, ref: "ds:v1" }), 409);
    const deleted = await c.artifacts.delete.mutate({ ...P, ref: "ds:v1", deleteAliases: true });
    expect(deleted.state).toBe("deleted");
    await expectRefused(anon.artifacts.get.query({ ...P, ref: "ds:v1" }), 404);
  });

  it("drafts: parallel upserts, finish, and a long-polled draftStatus", async () => {
    const harness = current();
    const owner = await newUser(harness, admin(), "draft");
    const c = owner.client.api;
    const P = { entity: owner.name, project: uniqueName("p") };
    await c.projects.create.mutate({ entity: P.entity, name: P.project });
    const key = { ...P, name: "shards", type: "dataset", distributedId: "job-1" };
    const parts = await uploadFiles(owner.client, P, {
      "0.bin": Buffer.from("zero"),
      "1.bin": Buffer.from("one"),
    });
    const [a, b] = await Promise.all([
      c.artifacts.upsert.mutate({ ...key, entries: [parts[0]!] }),
      c.artifacts.upsert.mutate({ ...key, entries: [parts[1]!] }),
    ]);
    expect(a.draftId).toBe(b.draftId);
    expect([a.seq, b.seq].sort()).toEqual([1, 2]);
    expect(await c.artifacts.finish.mutate({ ...key, aliases: ["latest-shards"] })).toEqual({
      draftId: a.draftId,
    });
    const status = await c.artifacts.draftStatus.query({ draftId: a.draftId, waitMs: 20_000 });
    expect(status).toMatchObject({
      status: "finished",
      version: { version: "v0", fileCount: 2, aliases: expect.arrayContaining(["latest-shards"]) },
    });
  });

  it("dedup without an oracle: another entity must upload bytes the store already has", async () => {
    const harness = current();
    const root = admin();
    const first = await newUser(harness, root, "dd1");
    const second = await newUser(harness, root, "dd2");
    const P1 = { entity: first.name, project: "p" };
    const P2 = { entity: second.name, project: "p" };
    await first.client.api.projects.create.mutate({ entity: first.name, name: "p" });
    await second.client.api.projects.create.mutate({ entity: second.name, name: "p" });
    const bytes = Buffer.from(`shared ${uniqueName("x")}`);
    const [entry] = await uploadFiles(first.client, P1, { "f.txt": bytes });
    // Stored, but not owned by the second entity: it is missing, and a commit is refused.
    await expectRefused(
      second.client.api.artifacts.log.mutate({ ...P2, name: "a", type: "t", entries: [entry!] }),
      400,
      "INVALID_MANIFEST",
    );
    const { missing } = await second.client.api.blobs.missing.mutate({
      ...P2,
      blobs: [{ digest: entry!.digest, size: entry!.size }],
    });
    expect(missing.map((m) => m.digest)).toEqual([entry!.digest]);
    // Proving possession through the upload route grants ownership; the commit then lands.
    await uploadFiles(second.client, P2, { "f.txt": bytes });
    expect(
      (
        await second.client.api.artifacts.log.mutate({
          ...P2,
          name: "a",
          type: "t",
          entries: [entry!],
        })
      ).created,
    ).toBe(true);
  });
}
