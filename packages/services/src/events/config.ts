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
