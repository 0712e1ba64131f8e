import { z } from "zod";
import { entityNameSchema } from "../inputs.js";

/**
 * zod schemas of the `accounts.*` procedures, shared by the router (which parses with them) and
 * the accounts service. Names are validated by core in the services (with messages that say what
 * is allowed); zod only bounds sizes so an oversized request is refused before any work.
 */

const teamMemberInput = z.object({ team: entityNameSchema, user: entityNameSchema });

export const createUserInputSchema = z.object({ name: entityNameSchema });
export type CreateUserInput = z.infer<typeof createUserInputSchema>;

export const setUserDisabledInputSchema = z.object({
  user: entityNameSchema,
  disabled: z.boolean(),
});
export type SetUserDisabledInput = z.infer<typeof setUserDisabledInputSchema>;

export const createTeamInputSchema = z.object({ name: entityNameSchema });
export type CreateTeamInput = z.infer<typeof createTeamInputSchema>;

export const setMemberInputSchema = teamMemberInput.extend({ role: z.enum(["member", "admin"]) });
export type SetMemberInput = z.infer<typeof setMemberInputSchema>;

export const removeMemberInputSchema = teamMemberInput;
export type RemoveMemberInput = z.infer<typeof removeMemberInputSchema>;

export const listMembersInputSchema = z.object({ team: entityNameSchema });
export type ListMembersInput = z.infer<typeof listMembersInputSchema>;

export const createApiKeyInputSchema = z
  .object({ label: z.string().max(200).optional() })
  .optional();
export type CreateApiKeyInput = z.infer<typeof createApiKeyInputSchema>;

export const revokeApiKeyInputSchema = z.object({ id: z.string().min(1).max(100) });
export type RevokeApiKeyInput = z.infer<typeof revokeApiKeyInputSchema>;
