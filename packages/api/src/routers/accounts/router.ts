import { z } from "zod";
import { accountsOutputs } from "../../schemas/outputs.js";
import { authedProcedure, router } from "../../trpc.js";

// Names are validated by core in the services (with messages that say what is allowed); zod
// only bounds sizes so an oversized request is refused before any work.
const entityName = z.string().min(1).max(64);
const teamMemberInput = z.object({ team: entityName, user: entityName });

/** `accounts.*`: the caller, users, teams and members, and the caller's API keys. */
export const accountsRouter = router({
  whoami: authedProcedure
    .output(accountsOutputs.whoami)
    .query(({ ctx }) => ctx.services.accounts.whoami(ctx.actor)),

  createUser: authedProcedure
    .input(z.object({ name: entityName }))
    .output(accountsOutputs.createUser)
    .mutation(({ ctx, input }) => ctx.services.accounts.createUser(ctx.actor, input)),

  listUsers: authedProcedure
    .output(accountsOutputs.listUsers)
    .query(({ ctx }) => ctx.services.accounts.listUsers(ctx.actor)),

  setUserDisabled: authedProcedure
    .input(z.object({ user: entityName, disabled: z.boolean() }))
    .output(accountsOutputs.setUserDisabled)
    .mutation(({ ctx, input }) => ctx.services.accounts.setUserDisabled(ctx.actor, input)),

  listTeams: authedProcedure
    .output(accountsOutputs.listTeams)
    .query(({ ctx }) => ctx.services.accounts.listTeams(ctx.actor)),

  createTeam: authedProcedure
    .input(z.object({ name: entityName }))
    .output(accountsOutputs.createTeam)
    .mutation(({ ctx, input }) => ctx.services.accounts.createTeam(ctx.actor, input)),

  setMember: authedProcedure
    .input(teamMemberInput.extend({ role: z.enum(["member", "admin"]) }))
    .output(accountsOutputs.setMember)
    .mutation(({ ctx, input }) => ctx.services.accounts.setMember(ctx.actor, input)),

  removeMember: authedProcedure
    .input(teamMemberInput)
    .output(accountsOutputs.removeMember)
    .mutation(({ ctx, input }) => ctx.services.accounts.removeMember(ctx.actor, input)),

  listMembers: authedProcedure
    .input(z.object({ team: entityName }))
    .output(accountsOutputs.listMembers)
    .query(({ ctx, input }) => ctx.services.accounts.listMembers(ctx.actor, input)),

  createApiKey: authedProcedure
    .input(z.object({ label: z.string().max(200).optional() }).optional())
    .output(accountsOutputs.createApiKey)
    .mutation(({ ctx, input }) =>
      ctx.services.accounts.createApiKey(ctx.actor, { label: input?.label }),
    ),

  listApiKeys: authedProcedure
    .output(accountsOutputs.listApiKeys)
    .query(({ ctx }) => ctx.services.accounts.listApiKeys(ctx.actor)),

  revokeApiKey: authedProcedure
    .input(z.object({ id: z.string().min(1).max(100) }))
    .output(accountsOutputs.revokeApiKey)
    .mutation(({ ctx, input }) => ctx.services.accounts.revokeApiKey(ctx.actor, input)),
});
