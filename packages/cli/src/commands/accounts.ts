import type { Command } from "commander";
import type { CliDeps } from "../context.js";
import { formatDate } from "../units.js";
import { action, example } from "./action.js";

/** `cairn users create|ls|disable|enable` and `cairn teams create|add|rm|ls`. */
export function registerAccountCommands(program: Command, deps: CliDeps): void {
  const users = program.command("users").description("manage users (site admins)");
  example(
    users
      .command("create")
      .description("create a user and its first API key (shown once: hand it over now)")
      .argument("<name>", "user name (lowercase letters, digits, - and _)")
      .action(
        action(deps, async (ctx, name: string) => {
          const created = await ctx.cairn().api().createUser(name);
          ctx.output.result(created, () => {
            ctx.output.line(`created user ${created.user.name}; its API key (shown only once):`);
            ctx.output.line(created.apiKey);
          });
          return 0;
        }),
      ),
    "cairn users create alice",
  );
  example(
    users
      .command("ls")
      .description("list users")
      .action(
        action(deps, async (ctx) => {
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
          return 0;
        }),
      ),
    "cairn users ls --json",
  );
  example(
    users
      .command("disable")
      .description("disable a user: its API keys stop working; its projects and lineage stay")
      .argument("<name>", "user name")
      .action(
        action(deps, async (ctx, name: string) => {
          const user = await ctx.cairn().api().disableUser(name);
          ctx.output.result(user, () => ctx.output.line(`disabled ${user.name}`));
          return 0;
        }),
      ),
    "cairn users disable alice",
  );
  example(
    users
      .command("enable")
      .description("re-enable a disabled user (its keys work again)")
      .argument("<name>", "user name")
      .action(
        action(deps, async (ctx, name: string) => {
          const user = await ctx.cairn().api().enableUser(name);
          ctx.output.result(user, () => ctx.output.line(`enabled ${user.name}`));
          return 0;
        }),
      ),
    "cairn users enable alice",
  );

  const teams = program.command("teams").description("manage teams and their members");
  example(
    teams
      .command("create")
      .description("create a team; you become its first admin")
      .argument("<name>", "team name")
      .action(
        action(deps, async (ctx, name: string) => {
          const team = await ctx.cairn().api().createTeam(name);
          ctx.output.result(team, () => ctx.output.line(`created team ${team.name} (you: admin)`));
          return 0;
        }),
      ),
    "cairn teams create vision-lab",
  );
  example(
    teams
      .command("add")
      .description("add a user to a team, or change their role (team admins)")
      .argument("<team>", "team name")
      .argument("<user>", "user name")
      .option("--admin", "make them a team admin (default: member)")
      .action(
        action(deps, async (ctx, team: string, user: string, options: { admin?: boolean }) => {
          const role = options.admin ? "admin" : "member";
          const result = await ctx.cairn().api().addTeamMember(team, user, { role });
          ctx.output.result(result, () => ctx.output.line(`${user} is now ${role} of ${team}`));
          return 0;
        }),
      ),
    "cairn teams add vision-lab alice --admin",
  );
  example(
    teams
      .command("rm")
      .description("remove a user from a team (team admins; a team keeps one admin)")
      .argument("<team>", "team name")
      .argument("<user>", "user name")
      .action(
        action(deps, async (ctx, team: string, user: string) => {
          const result = await ctx.cairn().api().removeTeamMember(team, user);
          ctx.output.result(result, () => ctx.output.line(`removed ${user} from ${team}`));
          return 0;
        }),
      ),
    "cairn teams rm vision-lab alice",
  );
  example(
    teams
      .command("ls")
      .description("list your teams, or with a team name its members")
      .argument("[team]", "a team whose members to list (team admins)")
      .action(
        action(deps, async (ctx, team: string | undefined) => {
          const api = ctx.cairn().api();
          if (team !== undefined) {
            const members = await api.teamMembers(team);
            ctx.output.result(members, () =>
              ctx.output.table(
                ["USER", "ROLE", "SINCE"],
                members.map((m) => [m.name, m.role, formatDate(m.since)]),
              ),
            );
            return 0;
          }
          const list = await api.teams();
          ctx.output.result(list, () =>
            ctx.output.table(
              ["TEAM", "YOUR ROLE", "MEMBERS", "CREATED"],
              list.map((t) => [t.name, t.role ?? "-", String(t.members), formatDate(t.createdAt)]),
            ),
          );
          return 0;
        }),
      ),
    "cairn teams ls",
    "cairn teams ls vision-lab --json",
  );
}
