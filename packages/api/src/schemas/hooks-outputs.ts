import { EVENT_KINDS } from "@cairn/core";
import { z } from "zod";

/**
 * Output schemas of `hooks.*` (the OpenAPI document describes every answer), mirroring the
 * services' `HookInfo`, `DeliveryInfo` and core's `CairnEvent`.
 */

const hook = z.object({
  id: z.string(),
  entity: z.string(),
  project: z.string().nullable(),
  url: z.string(),
  description: z.string().nullable(),
  kinds: z.array(z.string()),
  namePattern: z.string().nullable(),
  typePattern: z.string().nullable(),
  aliasPattern: z.string().nullable(),
  enabled: z.boolean(),
  createdAt: z.string(),
  pending: z.number(),
  failed: z.number(),
});

const delivery = z.object({
  id: z.number(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number(),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  responseExcerpt: z.string().nullable(),
  latencyMs: z.number().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});

const eventVersion = z.object({ version: z.string(), ref: z.string(), digest: z.string() });

const event = z.object({
  id: z.string(),
  type: z.enum(EVENT_KINDS),
  timestamp: z.string(),
  seq: z.number(),
  actor: z.object({ id: z.string(), name: z.string() }).nullable(),
  data: z.object({
    entity: z.string(),
    project: z.string(),
    name: z.string(),
    type: z.string(),
    version: eventVersion.optional(),
    alias: z.string().optional(),
    from: eventVersion.nullable().optional(),
    to: eventVersion.nullable().optional(),
    distributedId: z.string().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
});

/** The answers of the `hooks` router. */
export const hooksOutputs = {
  created: hook.extend({ secret: z.string() }),
  list: z.array(hook),
  removed: z.object({ id: z.string() }),
  rotated: z.object({ id: z.string(), secret: z.string(), previousValidUntil: z.string() }),
  deliveries: z.object({ deliveries: z.array(delivery) }),
  redelivered: z.object({ deliveryId: z.number() }),
  events: z.object({
    events: z.array(event),
    lastSeq: z.number(),
    /** Highest seq pruned so far (0: none); a position below it missed pruned events. */
    prunedThrough: z.number(),
    /** The retention (ms) that pruned them, or null. */
    retentionMs: z.number().nullable(),
  }),
};
