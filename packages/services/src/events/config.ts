import { z } from "zod";
import type { WebhookUrlPolicy } from "./url-policy.js";

/** How webhooks are delivered; every field has a production default. */
export interface WebhookConfig {
  /** Where hooks may point (default: public addresses only). */
  policy?: WebhookUrlPolicy;
  /** Tries per delivery, the first included, before it is marked failed. Default 8. */
  maxAttempts?: number;
  /** Delay before the first retry; each further retry doubles it. Default 2,000 ms. */
  backoffMs?: number;
  /** Longest wait between retries. Default 1 hour. */
  maxBackoffMs?: number;
  /** Per-request timeout. Default 10,000 ms. */
  timeoutMs?: number;
  /**
   * How long a worker's claim on a delivery lasts; a crashed worker's claim lapses after it and
   * another worker retries. Must exceed `timeoutMs`. Default 30,000 ms.
   */
  leaseMs?: number;
  /** How often the dispatcher looks for due deliveries. Default 250 ms. */
  pollMs?: number;
  /** How long a rotated-out secret keeps signing. Default 24 hours. */
  rotationGraceMs?: number;
}

/** {@link WebhookConfig} with every default applied. */
export type ResolvedWebhookConfig = Required<Omit<WebhookConfig, "policy">> & {
  policy: WebhookUrlPolicy;
};

/** Applies the defaults of {@link WebhookConfig}. */
export function resolveWebhookConfig(config: WebhookConfig = {}): ResolvedWebhookConfig {
  return {
    policy: config.policy ?? {},
    maxAttempts: config.maxAttempts ?? 8,
    backoffMs: config.backoffMs ?? 2_000,
    maxBackoffMs: config.maxBackoffMs ?? 3_600_000,
    timeoutMs: config.timeoutMs ?? 10_000,
    leaseMs: config.leaseMs ?? 30_000,
    pollMs: config.pollMs ?? 250,
    rotationGraceMs: config.rotationGraceMs ?? 86_400_000,
  };
}

const cidrList = z
  .string()
  .optional()
  .transform((v) =>
    v === undefined || v.trim() === ""
      ? []
      : v
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== ""),
  );
const positiveMs = z.coerce.number().int().min(1).optional();

/**
 * The webhook settings of the server's and the worker's environment, for their `env.ts` schemas:
 * `CAIRN_WEBHOOK_ALLOWED_NETWORKS` (comma-separated CIDRs re-allowed despite being loopback or
 * private, e.g. `127.0.0.1/32` in tests), `CAIRN_WEBHOOK_MAX_ATTEMPTS`, `CAIRN_WEBHOOK_BACKOFF_MS`,
 * `CAIRN_WEBHOOK_TIMEOUT_MS`, `CAIRN_WEBHOOK_LEASE_MS`, `CAIRN_WEBHOOK_POLL_MS`.
 */
export const webhookEnvShape = {
  CAIRN_WEBHOOK_ALLOWED_NETWORKS: cidrList,
  CAIRN_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).optional(),
  CAIRN_WEBHOOK_BACKOFF_MS: positiveMs,
  CAIRN_WEBHOOK_TIMEOUT_MS: positiveMs,
  CAIRN_WEBHOOK_LEASE_MS: positiveMs,
  CAIRN_WEBHOOK_POLL_MS: positiveMs,
};

/** The parsed values of {@link webhookEnvShape}. */
export type WebhookEnv = z.infer<z.ZodObject<typeof webhookEnvShape>>;

/** A {@link WebhookConfig} from parsed environment values. */
export function webhookConfigOf(env: WebhookEnv): WebhookConfig {
  const config: WebhookConfig = { policy: { allowedNetworks: env.CAIRN_WEBHOOK_ALLOWED_NETWORKS } };
  if (env.CAIRN_WEBHOOK_MAX_ATTEMPTS !== undefined)
    config.maxAttempts = env.CAIRN_WEBHOOK_MAX_ATTEMPTS;
  if (env.CAIRN_WEBHOOK_BACKOFF_MS !== undefined) config.backoffMs = env.CAIRN_WEBHOOK_BACKOFF_MS;
  if (env.CAIRN_WEBHOOK_TIMEOUT_MS !== undefined) config.timeoutMs = env.CAIRN_WEBHOOK_TIMEOUT_MS;
  if (env.CAIRN_WEBHOOK_LEASE_MS !== undefined) config.leaseMs = env.CAIRN_WEBHOOK_LEASE_MS;
  if (env.CAIRN_WEBHOOK_POLL_MS !== undefined) config.pollMs = env.CAIRN_WEBHOOK_POLL_MS;
  return config;
}
