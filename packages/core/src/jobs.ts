import { z } from "zod";
import { CairnError } from "./errors.js";

/**
 * The job queue contract shared by the server (producer), the BullMQ worker and the in-process
 * runner: queue names, one zod schema per payload, and deterministic job ids so a retried or
 * duplicated enqueue dedupes instead of running twice.
 */

/** Every queue Cairn uses. */
export const QUEUE_NAMES = [
  "upsert",
  "finish",
  "ttl-expiry",
  "blob-gc",
  "blob-verify",
  "webhook-deliver",
  "event-prune",
] as const;
/** A queue's name. */
export type QueueName = (typeof QUEUE_NAMES)[number];

/**
 * A draft id as carried in job payloads and job ids: letters, digits, `_` and `-` (a UUID or a
 * serial). Restricted so it cannot contain the job id separator.
 */
const draftIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, "must be 1-128 letters, digits, '_' or '-' (a UUID or serial)");

/** Payload of `upsert`: apply the accepted upsert `seq` of a draft. */
export const upsertJobSchema = z.object({
  draftId: draftIdSchema,
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});
/** Payload of `finish`: commit a draft once every upsert accepted before the finish is applied. */
export const finishJobSchema = z.object({ draftId: draftIdSchema });
/** Payload of `ttl-expiry`: sweep versions expired at `now` (ISO 8601; defaults to the run time). */
export const ttlExpiryJobSchema = z.object({ now: z.iso.datetime({ offset: true }).optional() });
/** Payload of `blob-gc`: delete unreferenced blobs older than `graceMs` (protects in-flight uploads). */
export const blobGcJobSchema = z.object({
  graceMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
/** Payload of `blob-verify`: re-hash the blob with this lowercase hex SHA-256 digest. */
export const blobVerifyJobSchema = z.object({
  digest: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (a SHA-256)"),
});

/**
 * Payload of `webhook-deliver`: work through a webhook's pending deliveries, in order, starting at
 * `deliveryId` (the oldest pending one when the job was queued) on its `attempt`-th try.
 */
export const webhookDeliverJobSchema = z.object({
  hookId: draftIdSchema,
  deliveryId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  attempt: z.number().int().min(0).max(1_000),
});

/**
 * Payload of `event-prune`: delete events older than `retentionMs` that every matching webhook
 * has received (with their delivery log rows).
 */
export const eventPruneJobSchema = z.object({
  retentionMs: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

/** The payload schema of each queue. */
export const JOB_PAYLOAD_SCHEMAS = {
  upsert: upsertJobSchema,
  finish: finishJobSchema,
  "ttl-expiry": ttlExpiryJobSchema,
  "blob-gc": blobGcJobSchema,
  "blob-verify": blobVerifyJobSchema,
  "webhook-deliver": webhookDeliverJobSchema,
  "event-prune": eventPruneJobSchema,
} as const satisfies Record<QueueName, z.ZodType>;

/** The payload type of each queue. */
export type JobPayloads = { [Q in QueueName]: z.infer<(typeof JOB_PAYLOAD_SCHEMAS)[Q]> };
/** Payload of an `upsert` job. */
export type UpsertJob = JobPayloads["upsert"];
/** Payload of a `finish` job. */
export type FinishJob = JobPayloads["finish"];
/** Payload of a `ttl-expiry` job. */
export type TtlExpiryJob = JobPayloads["ttl-expiry"];
/** Payload of a `blob-gc` job. */
export type BlobGcJob = JobPayloads["blob-gc"];
/** Payload of a `blob-verify` job. */
export type BlobVerifyJob = JobPayloads["blob-verify"];
/** Payload of a `webhook-deliver` job. */
export type WebhookDeliverJob = JobPayloads["webhook-deliver"];
/** Payload of an `event-prune` job. */
export type EventPruneJob = JobPayloads["event-prune"];

/** True when `name` is one of {@link QUEUE_NAMES}. */
export function isQueueName(name: unknown): name is QueueName {
  return typeof name === "string" && (QUEUE_NAMES as readonly string[]).includes(name);
}

/**
 * Validates a job's data against its queue's schema. Throws INVALID_INPUT naming the queue and
 * every bad field (the ZodError as `cause`): a worker should fail such a job permanently.
 */
export function parseJobPayload<Q extends QueueName>(queue: Q, data: unknown): JobPayloads[Q] {
  if (!isQueueName(queue)) {
    throw new CairnError(
      "INVALID_INPUT",
      `unknown queue ${JSON.stringify(queue)}; known queues: ${QUEUE_NAMES.join(", ")}.`,
    );
  }
  const result = JOB_PAYLOAD_SCHEMAS[queue].safeParse(data);
  if (!result.success) {
    const problems = result.error.issues
      .map(
        (issue) =>
          `${issue.path.length > 0 ? issue.path.join(".") : "(payload)"}: ${issue.message}`,
      )
      .join("; ");
    throw new CairnError("INVALID_INPUT", `invalid payload for queue "${queue}": ${problems}.`, {
      cause: result.error,
      details: { queue, issues: result.error.issues },
    });
  }
  return result.data as JobPayloads[Q];
}

/**
 * Separator of the parts of a job id. Not `:`: BullMQ 6 refuses custom ids containing `:` unless
 * they split into exactly three parts (and plans to refuse any `:`), which `finish:<draftId>` breaks.
 */
export const JOB_ID_SEPARATOR = ".";

/** Queues whose jobs always have a natural key, hence always a deterministic id. */
export type KeyedQueueName = "upsert" | "finish" | "blob-verify" | "webhook-deliver";

/** The id {@link jobIdFor} returns: always a string for keyed queues, maybe undefined for sweeps. */
export type JobIdFor<Q extends QueueName> = Q extends KeyedQueueName ? string : string | undefined;

/**
 * The deterministic job id of a payload, so enqueuing the same work twice (a client retry, two
 * servers racing) yields one job:
 * - `upsert.<draftId>.<seq>`, `finish.<draftId>`, `blob-verify.<digest>`;
 * - `ttl-expiry.<epoch ms of now>` when `now` is given, else undefined (let the queue assign one);
 * - `blob-gc`, `event-prune`: undefined — a sweep has no natural key and is idempotent anyway.
 * Ids always start with the queue name, so they are never all-digits (which BullMQ refuses).
 * The payload is validated first (INVALID_INPUT on bad data).
 */
export function jobIdFor<Q extends QueueName>(queue: Q, payload: JobPayloads[Q]): JobIdFor<Q> {
  const parts = idParts(queue, parseJobPayload(queue, payload));
  return (
    parts === undefined ? undefined : [queue, ...parts].join(JOB_ID_SEPARATOR)
  ) as JobIdFor<Q>;
}

function idParts(queue: QueueName, payload: JobPayloads[QueueName]): string[] | undefined {
  switch (queue) {
    case "upsert": {
      const p = payload as UpsertJob;
      return [p.draftId, String(p.seq)];
    }
    case "finish":
      return [(payload as FinishJob).draftId];
    case "blob-verify":
      return [(payload as BlobVerifyJob).digest];
    case "ttl-expiry": {
      const { now } = payload as TtlExpiryJob;
      // Epoch ms, not the ISO text: one instant has many ISO spellings (offsets) and ':' in it.
      if (now === undefined) return undefined;
      const ms = Date.parse(now);
      if (Number.isNaN(ms)) {
        throw new CairnError(
          "INVALID_INPUT",
          `ttl-expiry now ${JSON.stringify(now)} is not a date; use toISOString().`,
        );
      }
      return [String(ms)];
    }
    case "blob-gc":
    case "event-prune":
      return undefined;
    case "webhook-deliver": {
      // One job per (hook, head delivery, try): re-queueing while it waits is a no-op, and the
      // next state of the hook (head delivered, or retried) gets a fresh id.
      const p = payload as WebhookDeliverJob;
      return [p.hookId, String(p.deliveryId), String(p.attempt)];
    }
  }
}
