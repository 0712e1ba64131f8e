import type { Command } from "commander";
import type { CliDeps } from "../context.js";
import { formatDate } from "../units.js";
import { subcommand } from "./action.js";

/** `cairn users create|ls|disable|enable` and `cairn teams create|add|rm|ls`. */
export function registerAccountCommands(program: Command, deps: CliDeps): void {
  const users = program.command("users").description("manage users (site admins)");
  subcommand(users, deps, "create", {
    description: "create a user and its first API key (shown once: hand it over now)",
    arguments: [["<name>", "user name (lowercase letters, digits, - and _)"]],
    examples: ["cairn users create alice"],
    run: async (ctx, name: string) => {
      const created = await ctx.cairn().api().createUser(name);
      ctx.output.result(created, () => {
        ctx.output.line(`created user ${created.user.name}; its API key (shown only once):`);
        ctx.output.line(created.apiKey);
      });
    },
  });
  subcommand(users, deps, "ls", {
    description: "list users",
    examples: ["cairn users ls --json"],
    run: async (ctx) => {
      const list = await ctx.cairn().api().users();
      ctx.output.result(list, () =>
        ctx.output.table(
          ["NAME", "CREATED", "STATE"],
          list.map((u) => [
            u.name,
            formatDate(u.createdAt),
            u.disabledAt ? `disabled ${formatDate(u.disabledAt)}` : "active",
          ]),
        ),
      );
    },
  });
  subcommand(users, deps, "disable", {
    description: "disable a user: its API keys stop working; its projects and lineage stay",
    arguments: [["<name>", "user name"]],
    examples: ["cairn users disable alice"],
    run: async (ctx, name: string) => {
      const user = await ctx.cairn().api().disableUser(name);
      ctx.output.result(user, () => ctx.output.line(`disabled ${user.name}`));
    },
  });
  subcommand(users, deps, "enable", {
    description: "re-enable a disabled user (its keys work again)",
    arguments: [["<name>", "user name"]],
    examples: ["cairn users enable alice"],
    run: async (ctx, name: string) => {
      const user = await ctx.cairn().api().enableUser(name);
      ctx.output.result(user, () => ctx.output.line(`enabled ${user.name}`));
    },
  });

  const teams = program.command("teams").description("manage teams and their members");
  subcommand(teams, deps, "create", {
    description: "create a team; you become its first admin",
    arguments: [["<name>", "team name"]],
    examples: ["cairn teams create vision-lab"],
    run: async (ctx, name: string) => {
      const team = await ctx.cairn().api().createTeam(name);
      ctx.output.result(team, () => ctx.output.line(`created team ${team.name} (you: admin)`));
    },
  });
  subcommand(teams, deps, "add", {
    description: "add a user to a team, or change their role (team admins)",
    arguments: [
      ["<team>", "team name"],
      ["<user>", "user name"],
    ],
    options: [["--admin", "make them a team admin (default: member)"]],
    examples: ["cairn teams add vision-lab alice --admin"],
    run: async (ctx, team: string, user: string, options: { admin?: boolean }) => {
      const role = options.admin ? "admin" : "member";
      const result = await ctx.cairn().api().addTeamMember(team, user, { role });
      ctx.output.result(result, () => ctx.output.line(`${user} is now ${role} of ${team}`));
    },
  });
  subcommand(teams, deps, "rm", {
    description: "remove a user from a team (team admins; a team keeps one admin)",
    arguments: [
      ["<team>", "team name"],
      ["<user>", "user name"],
    ],
    examples: ["cairn teams rm vision-lab alice"],
    run: async (ctx, team: string, user: string) => {
      const result = await ctx.cairn().api().removeTeamMember(team, user);
      ctx.output.result(result, () => ctx.output.line(`removed ${user} from ${team}`));
    },
  });
  subcommand(teams, deps, "ls", {
    description: "list your teams, or with a team name its members",
    arguments: [["[team]", "a team whose members to list (team admins)"]],
    examples: ["cairn teams ls", "cairn teams ls vision-lab --json"],
    run: async (ctx, team: string | undefined) => {
      const api = ctx.cairn().api();
      if (team !== undefined) {
        const members = await api.teamMembers(team);
        ctx.output.result(members, () =>
          ctx.output.table(
            ["USER", "ROLE", "SINCE"],
            members.map((m) => [m.name, m.role, formatDate(m.since)]),
          ),
        );
        return;
      }
      const list = await api.teams();
      ctx.output.result(list, () =>
        ctx.output.table(
          ["TEAM", "YOUR ROLE", "MEMBERS", "CREATED"],
          list.map((t) => [t.name, t.role ?? "-", String(t.members), formatDate(t.createdAt)]),
        ),
      );
    },
  });
}
