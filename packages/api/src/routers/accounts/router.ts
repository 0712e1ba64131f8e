import {
  createApiKeyInputSchema,
  createTeamInputSchema,
  createUserInputSchema,
  listMembersInputSchema,
  removeMemberInputSchema,
  revokeApiKeyInputSchema,
  setMemberInputSchema,
  setUserDisabledInputSchema,
} from "@cairn/services";
import { accountsOutputs } from "../../schemas/outputs.js";
import { authedProcedure, router } from "../../trpc.js";

/** `accounts.*`: the caller, users, teams and members, and the caller's API keys. */
export const accountsRouter = router({
  whoami: authedProcedure
    .output(accountsOutputs.whoami)
    .query(({ ctx }) => ctx.services.accounts.whoami(ctx.actor)),

  createUser: authedProcedure
    .input(createUserInputSchema)
    .output(accountsOutputs.createUser)
    .mutation(({ ctx, input }) => ctx.services.accounts.createUser(ctx.actor, input)),

  listUsers: authedProcedure
    .output(accountsOutputs.listUsers)
    .query(({ ctx }) => ctx.services.accounts.listUsers(ctx.actor)),

  setUserDisabled: authedProcedure
    .input(setUserDisabledInputSchema)
    .output(accountsOutputs.setUserDisabled)
    .mutation(({ ctx, input }) => ctx.services.accounts.setUserDisabled(ctx.actor, input)),

  listTeams: authedProcedure
    .output(accountsOutputs.listTeams)
    .query(({ ctx }) => ctx.services.accounts.listTeams(ctx.actor)),

  createTeam: authedProcedure
    .input(createTeamInputSchema)
    .output(accountsOutputs.createTeam)
    .mutation(({ ctx, input }) => ctx.services.accounts.createTeam(ctx.actor, input)),

  setMember: authedProcedure
    .input(setMemberInputSchema)
    .output(accountsOutputs.setMember)
    .mutation(({ ctx, input }) => ctx.services.accounts.setMember(ctx.actor, input)),

  removeMember: authedProcedure
    .input(removeMemberInputSchema)
    .output(accountsOutputs.removeMember)
    .mutation(({ ctx, input }) => ctx.services.accounts.removeMember(ctx.actor, input)),

  listMembers: authedProcedure
    .input(listMembersInputSchema)
    .output(accountsOutputs.listMembers)
    .query(({ ctx, input }) => ctx.services.accounts.listMembers(ctx.actor, input)),

  createApiKey: authedProcedure
    .input(createApiKeyInputSchema)
    .output(accountsOutputs.createApiKey)
    .mutation(({ ctx, input }) =>
      ctx.services.accounts.createApiKey(ctx.actor, { label: input?.label }),
    ),

  listApiKeys: authedProcedure
    .output(accountsOutputs.listApiKeys)
    .query(({ ctx }) => ctx.services.accounts.listApiKeys(ctx.actor)),

  revokeApiKey: authedProcedure
    .input(revokeApiKeyInputSchema)
    .output(accountsOutputs.revokeApiKey)
    .mutation(({ ctx, input }) => ctx.services.accounts.revokeApiKey(ctx.actor, input)),
});
