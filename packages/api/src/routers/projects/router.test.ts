import { expectTrpcCode } from "@cairn/vitest-config/expect-code";
import { expect, it } from "vitest";
import { describeOnEngines, uniqueName } from "../accounts/accounts.test-helpers.js";

await describeOnEngines("projects router", (world) => {
  it("creates private projects in the caller's entity by default, and refuses duplicates and bad names", async () => {
    const { newUser, callerFor } = world();
    const ann = await newUser("ann");
    const created = await ann.caller.projects.create({ entity: ann.name, name: "mnist" });
    expect(created).toMatchObject({
      entity: ann.name,
      name: "mnist",
      visibility: "private",
      description: null,
      role: "admin",
    });
    expect(await ann.caller.projects.get({ entity: ann.name, project: "mnist" })).toEqual(created);

    const described = await ann.caller.projects.create({
      entity: ann.name,
      name: "cifar.v2",
      visibility: "public",
      description: "d",
    });
    expect(described).toMatchObject({ visibility: "public", description: "d" });

    await expectTrpcCode(
      ann.caller.projects.create({ entity: ann.name, name: "mnist" }),
      "CONFLICT",
    );
    await expectTrpcCode(
      ann.caller.projects.create({ entity: ann.name, name: ".hidden" }),
      "BAD_REQUEST",
      "INVALID_PROJECT",
    );
    await expectTrpcCode(
      ann.caller.projects.create({ entity: "Bad Entity", name: "x" }),
      "BAD_REQUEST",
      "INVALID_ENTITY",
    );
    await expectTrpcCode(
      ann.caller.projects.create({ entity: "no-such-entity", name: "x" }),
      "NOT_FOUND",
    );
    await expectTrpcCode(
      (await callerFor(null)).projects.create({ entity: ann.name, name: "x" }),
      "UNAUTHORIZED",
    );
  });

  it("lets team members create projects in their team, not outsiders nor other users' entities", async () => {
    const { newUser } = world();
    const lead = await newUser("lead");
    const member = await newUser("member");
    const outsider = await newUser("outsider");
    const team = uniqueName("team");
    await lead.caller.accounts.createTeam({ name: team });
    await lead.caller.accounts.setMember({ team, user: member.name, role: "member" });

    const p = await member.caller.projects.create({ entity: team, name: "shared" });
    expect(p).toMatchObject({ entity: team, role: "member" });
    expect((await lead.caller.projects.get({ entity: team, project: "shared" })).role).toBe(
      "admin",
    );
    await expectTrpcCode(
      outsider.caller.projects.create({ entity: team, name: "intrude" }),
      "FORBIDDEN",
    );
    await expectTrpcCode(
      outsider.caller.projects.create({ entity: lead.name, name: "intrude" }),
      "FORBIDDEN",
    );
  });

  it("lists only what the caller can read, with its role", async () => {
    const { admin, newUser, callerFor } = world();
    const owner = await newUser("lister");
    const member = await newUser("reader");
    const stranger = await newUser("stranger");
    const team = uniqueName("listteam");
    await owner.caller.accounts.createTeam({ name: team });
    await owner.caller.accounts.setMember({ team, user: member.name, role: "member" });
    for (const visibility of ["private", "public", "open"] as const) {
      await owner.caller.projects.create({ entity: team, name: `p-${visibility}`, visibility });
    }
    await owner.caller.projects.create({ entity: owner.name, name: "mine" });

    const names = (list: { entity: string; name: string; role: string }[]) =>
      list
        .filter((p) => p.entity === team || p.entity === owner.name)
        .map((p) => `${p.entity}/${p.name}:${p.role}`);

    expect(names(await owner.caller.projects.list())).toEqual(
      [
        `${owner.name}/mine:admin`,
        `${team}/p-open:admin`,
        `${team}/p-private:admin`,
        `${team}/p-public:admin`,
      ].sort(),
    );
    expect(names(await member.caller.projects.list({ entity: team }))).toEqual([
      `${team}/p-open:member`,
      `${team}/p-private:member`,
      `${team}/p-public:member`,
    ]);
    expect(names(await stranger.caller.projects.list())).toEqual([
      `${team}/p-open:user`,
      `${team}/p-public:user`,
    ]);
    const anonymous = await callerFor(null);
    expect(names(await anonymous.projects.list())).toEqual([
      `${team}/p-open:anonymous`,
      `${team}/p-public:anonymous`,
    ]);
    // Someone else's private default project never shows up for a stranger.
    expect((await stranger.caller.projects.list({ entity: "admin" })).map((p) => p.name)).toEqual(
      [],
    );
    expect(names(await admin.caller.projects.list())).toHaveLength(4);
    expect(await anonymous.projects.list({ entity: "nobody-here" })).toEqual([]);
  });

  it("setVisibility is admin-only, takes effect at once and is audited", async () => {
    const { services, newUser, callerFor } = world();
    const owner = await newUser("vis");
    const team = uniqueName("visteam");
    const member = await newUser("vismember");
    await owner.caller.accounts.createTeam({ name: team });
    await owner.caller.accounts.setMember({ team, user: member.name, role: "member" });
    const project = await owner.caller.projects.create({ entity: team, name: "secret" });
    const anonymous = await callerFor(null);
    const ref = { entity: team, project: "secret" };
    await expectTrpcCode(anonymous.projects.get(ref), "NOT_FOUND");
    await expectTrpcCode(
      member.caller.projects.setVisibility({ ...ref, visibility: "public" }),
      "FORBIDDEN",
    );

    const updated = await owner.caller.projects.setVisibility({ ...ref, visibility: "public" });
    expect(updated.visibility).toBe("public");
    expect((await anonymous.projects.get(ref)).visibility).toBe("public");
    const audit = await services.deps.db
      .selectFrom("audit_log")
      .selectAll()
      .where("project_id", "=", project.id)
      .execute();
    expect(audit).toEqual([
      expect.objectContaining({
        action: "project.visibility",
        actor_entity_id: owner.id,
        details: { from: "private", to: "public" },
      }),
    ]);
  });

  it("setProtectedAliases stores a sorted, de-duplicated list; admin-only; reserved aliases refused", async () => {
    const { newUser } = world();
    const owner = await newUser("prot");
    const team = uniqueName("protteam");
    const member = await newUser("protmember");
    await owner.caller.accounts.createTeam({ name: team });
    await owner.caller.accounts.setMember({ team, user: member.name, role: "member" });
    await owner.caller.projects.create({ entity: team, name: "models" });
    const ref = { entity: team, project: "models" };

    const result = await owner.caller.projects.setProtectedAliases({
      ...ref,
      aliases: ["production", "best", "production"],
    });
    expect(result.protectedAliases).toEqual(["best", "production"]);
    expect((await member.caller.projects.get(ref)).protectedAliases).toEqual([
      "best",
      "production",
    ]);
    await expectTrpcCode(
      member.caller.projects.setProtectedAliases({ ...ref, aliases: [] }),
      "FORBIDDEN",
    );
    await expectTrpcCode(
      owner.caller.projects.setProtectedAliases({ ...ref, aliases: ["v3"] }),
      "BAD_REQUEST",
      "RESERVED_ALIAS",
    );
    await expectTrpcCode(
      owner.caller.projects.setProtectedAliases({ ...ref, aliases: ["a/b"] }),
      "BAD_REQUEST",
      "INVALID_ALIAS",
    );
    expect(
      (await owner.caller.projects.setProtectedAliases({ ...ref, aliases: [] })).protectedAliases,
    ).toEqual([]);
  });
});
