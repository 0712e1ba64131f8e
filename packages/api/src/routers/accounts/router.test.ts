import { apiKeyPrefix, hashApiKey } from "@cairn/services";
import { expectTrpcCode } from "@cairn/vitest-config/expect-code";
import { expect, it } from "vitest";
import { describeOnEngines, uniqueName } from "./accounts.test-helpers.js";

await describeOnEngines("accounts router", (world) => {
  it("whoami describes the caller, its site-admin flag and its entities; anonymous is refused", async () => {
    const { admin, callerFor, newUser } = world();
    const me = await admin.caller.accounts.whoami();
    expect(me.user).toEqual({ id: admin.id, name: "admin" });
    expect(me.isSiteAdmin).toBe(true);
    expect(me.entities).toEqual([
      { name: "admin", kind: "user", role: "admin" },
      { name: "cairn-admins", kind: "team", role: "admin" },
    ]);

    const alice = await newUser("alice");
    const aliceMe = await alice.caller.accounts.whoami();
    expect(aliceMe.isSiteAdmin).toBe(false);
    expect(aliceMe.entities).toEqual([{ name: alice.name, kind: "user", role: "admin" }]);

    await expectTrpcCode((await callerFor(null)).accounts.whoami(), "UNAUTHORIZED");
  });

  it("createUser is for site admins, returns a working key once, and refuses taken or bad names", async () => {
    const { admin, callerFor, newUser } = world();
    const name = uniqueName("bob");
    const created = await admin.caller.accounts.createUser({ name });
    expect(created.user.name).toBe(name);
    expect(created.apiKey).toMatch(/^cairn_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    const bob = await callerFor(created.apiKey);
    expect((await bob.accounts.whoami()).user).toEqual(created.user);

    await expectTrpcCode(admin.caller.accounts.createUser({ name }), "CONFLICT", "CONFLICT");
    await expectTrpcCode(
      admin.caller.accounts.createUser({ name: "Not Valid" }),
      "BAD_REQUEST",
      "INVALID_ENTITY",
    );
    await expectTrpcCode(admin.caller.accounts.createUser({ name: "cairn-admins" }), "CONFLICT");

    const carol = await newUser("carol");
    await expectTrpcCode(
      carol.caller.accounts.createUser({ name: uniqueName("eve") }),
      "FORBIDDEN",
    );
    await expectTrpcCode(
      (await callerFor(null)).accounts.createUser({ name: uniqueName("eve") }),
      "UNAUTHORIZED",
    );
  });

  it("createTeam makes the creator its admin; the team shares the user namespace", async () => {
    const { newUser } = world();
    const dana = await newUser("dana");
    const teamName = uniqueName("vision");
    const team = await dana.caller.accounts.createTeam({ name: teamName });
    expect(team).toMatchObject({ name: teamName, kind: "team", role: "admin" });
    expect((await dana.caller.accounts.whoami()).entities).toContainEqual({
      name: teamName,
      kind: "team",
      role: "admin",
    });
    expect(await dana.caller.accounts.listMembers({ team: teamName })).toEqual([
      expect.objectContaining({ id: dana.id, name: dana.name, role: "admin" }),
    ]);
    await expectTrpcCode(dana.caller.accounts.createTeam({ name: teamName }), "CONFLICT");
    await expectTrpcCode(dana.caller.accounts.createTeam({ name: dana.name }), "CONFLICT");
    // Creating the site admins' team would make its creator a site admin.
    await expectTrpcCode(dana.caller.accounts.createTeam({ name: "cairn-admins" }), "CONFLICT");
  });

  it("team admins manage members; members and outsiders cannot; a team keeps an admin", async () => {
    const { newUser } = world();
    const owner = await newUser("owner");
    const member = await newUser("member");
    const outsider = await newUser("outsider");
    const team = uniqueName("nlp");
    await owner.caller.accounts.createTeam({ name: team });

    expect(
      await owner.caller.accounts.setMember({ team, user: member.name, role: "member" }),
    ).toEqual({
      team,
      user: member.name,
      role: "member",
    });
    const members = await owner.caller.accounts.listMembers({ team });
    expect(members.map((m) => [m.name, m.role])).toEqual([
      [owner.name, "admin"],
      [member.name, "member"],
    ]);
    expect((await member.caller.accounts.whoami()).entities).toContainEqual({
      name: team,
      kind: "team",
      role: "member",
    });

    await expectTrpcCode(
      member.caller.accounts.setMember({ team, user: outsider.name, role: "member" }),
      "FORBIDDEN",
    );
    await expectTrpcCode(member.caller.accounts.listMembers({ team }), "FORBIDDEN");
    await expectTrpcCode(
      outsider.caller.accounts.removeMember({ team, user: member.name }),
      "FORBIDDEN",
    );

    // The only admin can neither leave nor step down.
    await expectTrpcCode(
      owner.caller.accounts.removeMember({ team, user: owner.name }),
      "CONFLICT",
    );
    await expectTrpcCode(
      owner.caller.accounts.setMember({ team, user: owner.name, role: "member" }),
      "CONFLICT",
    );
    // With a second admin, the first may step down.
    await owner.caller.accounts.setMember({ team, user: member.name, role: "admin" });
    await owner.caller.accounts.setMember({ team, user: owner.name, role: "member" });
    await expectTrpcCode(owner.caller.accounts.listMembers({ team }), "FORBIDDEN");
    await member.caller.accounts.removeMember({ team, user: owner.name });
    expect((await member.caller.accounts.listMembers({ team })).map((m) => m.name)).toEqual([
      member.name,
    ]);

    await expectTrpcCode(
      member.caller.accounts.removeMember({ team, user: outsider.name }),
      "NOT_FOUND",
    );
    await expectTrpcCode(
      member.caller.accounts.setMember({ team, user: "no-such-user", role: "member" }),
      "NOT_FOUND",
    );
    await expectTrpcCode(
      member.caller.accounts.setMember({ team: member.name, user: outsider.name, role: "member" }),
      "BAD_REQUEST",
    );
    await expectTrpcCode(member.caller.accounts.listMembers({ team: "no-such-team" }), "NOT_FOUND");
  });

  it("site admins manage any team", async () => {
    const { admin, newUser } = world();
    const owner = await newUser("owner");
    const other = await newUser("other");
    const team = uniqueName("ops");
    await owner.caller.accounts.createTeam({ name: team });
    await admin.caller.accounts.setMember({ team, user: other.name, role: "member" });
    expect((await admin.caller.accounts.listMembers({ team })).map((m) => m.name).sort()).toEqual(
      [owner.name, other.name].sort(),
    );
  });

  it("API keys: shown once, stored hashed, listed without secrets, revocable by their owner only", async () => {
    const { services, callerFor, newUser } = world();
    const erin = await newUser("erin");
    const frank = await newUser("frank");
    const created = await erin.caller.accounts.createApiKey({ label: " laptop " });
    expect(created.label).toBe("laptop");
    const second = await callerFor(created.key);
    expect((await second.accounts.whoami()).user.name).toBe(erin.name);

    const stored = await services.deps.db
      .selectFrom("api_keys")
      .selectAll()
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(stored.hash).toBe(hashApiKey(created.key));
    // The secret is base64url and may itself contain "_": it is everything after `cairn_<keyId>_`.
    const keyId = apiKeyPrefix(created.key);
    const secret = created.key.slice(`cairn_${keyId}_`.length);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(stored)).not.toContain(secret);

    const listed = await erin.caller.accounts.listApiKeys();
    expect(listed).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    const entry = listed.find((k) => k.id === created.id);
    expect(entry).toMatchObject({
      label: "laptop",
      keyId,
      revokedAt: null,
    });
    expect((await frank.caller.accounts.listApiKeys()).map((k) => k.id)).not.toContain(created.id);

    // Another user's key id is indistinguishable from an unknown one.
    await expectTrpcCode(frank.caller.accounts.revokeApiKey({ id: created.id }), "NOT_FOUND");
    const revoked = await erin.caller.accounts.revokeApiKey({ id: created.id });
    expect(revoked.id).toBe(created.id);
    // The revoked key no longer authenticates (the host answers 401 before any procedure runs).
    await expect(callerFor(created.key)).rejects.toMatchObject({
      name: "CairnError",
      code: "UNAUTHORIZED",
    });
    // Idempotent, and the original revocation time is kept.
    expect(await erin.caller.accounts.revokeApiKey({ id: created.id })).toEqual(revoked);
    // The user's other key still works.
    expect((await erin.caller.accounts.whoami()).user.name).toBe(erin.name);
    await expectTrpcCode(
      erin.caller.accounts.createApiKey({ label: "x".repeat(201) }),
      "BAD_REQUEST",
    );
  });
});
