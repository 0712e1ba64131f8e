import {
  createHookInputSchema,
  deliveriesInputSchema,
  hookIdInputSchema,
  listEventsInputSchema,
  listHooksInputSchema,
  redeliverInputSchema,
} from "@cairn/services";
import { hooksOutputs } from "../../schemas/hooks-outputs.js";
import { authedProcedure, publicProcedure, router } from "../../trpc.js";

/**
 * `hooks.*`: webhooks of a project (or of every project of an entity), managed by the project's
 * admins; their delivery log and redelivery; and `hooks.events`, a page of a project's events for
 * anyone who may read it (the live stream is `GET /events`).
 */
export const hooksRouter = router({
  create: authedProcedure
    .input(createHookInputSchema)
    .output(hooksOutputs.created)
    .mutation(({ ctx, input }) => ctx.services.hooks.create(ctx.actor, input)),
  list: authedProcedure
    .input(listHooksInputSchema)
    .output(hooksOutputs.list)
    .query(({ ctx, input }) => ctx.services.hooks.list(ctx.actor, input)),
  remove: authedProcedure
    .input(hookIdInputSchema)
    .output(hooksOutputs.removed)
    .mutation(({ ctx, input }) => ctx.services.hooks.remove(ctx.actor, input)),
  rotateSecret: authedProcedure
    .input(hookIdInputSchema)
    .output(hooksOutputs.rotated)
    .mutation(({ ctx, input }) => ctx.services.hooks.rotate(ctx.actor, input)),
  deliveries: authedProcedure
    .input(deliveriesInputSchema)
    .output(hooksOutputs.deliveries)
    .query(({ ctx, input }) => ctx.services.hooks.deliveries(ctx.actor, input)),
  redeliver: authedProcedure
    .input(redeliverInputSchema)
    .output(hooksOutputs.redelivered)
    .mutation(({ ctx, input }) => ctx.services.hooks.redeliver(ctx.actor, input)),
  events: publicProcedure
    .input(listEventsInputSchema)
    .output(hooksOutputs.events)
    .query(({ ctx, input }) => ctx.services.hooks.events(ctx.actor, input)),
});
