import { EVENT_KINDS, MAX_PATTERN_LENGTH } from "@cairn/core";
import { z } from "zod";

/**
 * zod schemas of the webhook and event procedures, shared by the router (which parses with them)
 * and the services (which take their inferred types).
 */

/** Most deliveries one `hooks.deliveries` page returns. */
export const MAX_DELIVERY_PAGE = 500;
/** Most events one `events.list` page returns. */
export const MAX_EVENT_PAGE = 1000;

const pattern = z.string().min(1).max(MAX_PATTERN_LENGTH);
const hookId = z.uuid();

/** An entity, and optionally one of its projects: the scope of a hook. */
export const hookScopeSchema = z.object({
  entity: z.string().min(1).max(64),
  project: z.string().min(1).max(128).optional(),
});

export const createHookInputSchema = hookScopeSchema.extend({
  url: z.string().min(1).max(2048),
  description: z.string().max(1000).optional(),
  kinds: z.array(z.enum(EVENT_KINDS)).max(EVENT_KINDS.length).optional(),
  namePattern: pattern.optional(),
  typePattern: pattern.optional(),
  aliasPattern: pattern.optional(),
});
export type CreateHookInput = z.infer<typeof createHookInputSchema>;

export const listHooksInputSchema = hookScopeSchema;
export type ListHooksInput = z.infer<typeof listHooksInputSchema>;

export const hookIdInputSchema = z.object({ id: hookId });
export type HookIdInput = z.infer<typeof hookIdInputSchema>;

export const deliveriesInputSchema = z.object({
  id: hookId,
  status: z.enum(["pending", "delivered", "failed"]).optional(),
  /** Deliveries with an id below this (paging newest first). */
  before: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).max(MAX_DELIVERY_PAGE).optional(),
});
export type DeliveriesInput = z.infer<typeof deliveriesInputSchema>;

export const redeliverInputSchema = z.object({ id: hookId, deliveryId: z.number().int().min(1) });
export type RedeliverInput = z.infer<typeof redeliverInputSchema>;

export const listEventsInputSchema = z.object({
  entity: z.string().min(1).max(64),
  project: z.string().min(1).max(128),
  /** Events with a seq above this (0: from the oldest kept). */
  after: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(MAX_EVENT_PAGE).optional(),
});
export type ListEventsInput = z.infer<typeof listEventsInputSchema>;
