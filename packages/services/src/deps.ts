import type { BlobStore } from "@cairn/blobs";
import { DEFAULT_LIMITS, type JobPayloads, type Limits } from "@cairn/core";
import type { Database, Notifications } from "@cairn/db";
import type { JobRunner } from "@cairn/jobs";
import type { Kysely } from "kysely";
import type { ActorCache } from "./actor.js";
import type { WebhookConfig } from "./events/config.js";

/** The job runner as the services see it: Cairn's queues and payloads. */
export type CairnJobRunner = JobRunner<JobPayloads>;

/** Minimal structured logger (pino satisfies it). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Everything a service needs, passed in once at the composition root (no globals). */
export interface ServiceDeps {
  db: Kysely<Database>;
  blobs: BlobStore;
  jobs: CairnJobRunner;
  /** Base URL byte routes are served at (the server's public URL), e.g. `http://127.0.0.1:8787`. */
  publicUrl: string;
  /** HMAC key for byte-route tokens; shared by every server process (see `loadSigningSecret`). */
  signingSecret: Uint8Array;
  /** Current time; tests pass a fake clock for TTL. */
  now?: () => Date;
  logger?: Logger;
  /**
   * Short-lived cache of API key → actor (5 s). `createServices` makes one when none is given;
   * revoking a key forgets it at once here, other processes honour the revocation within the TTL.
   */
  actorCache?: ActorCache;
  /** Size limits (metadata, description, tags, anonymous bodies, list pages); defaults in core. */
  limits?: Partial<Limits>;
  /**
   * Wake-ups from the database (`CairnDatabase.notifications`): `draftStatus` waiters and the
   * webhook dispatcher sleep until a commit notifies them, with a slow poll as the fallback.
   * Absent (`CAIRN_DATABASE_LISTEN=false`, or a caller that does not wire it): they poll.
   */
  notifications?: Notifications;
  /** Webhook delivery policy (URL allow-list, retries, timeouts); production defaults if absent. */
  webhooks?: WebhookConfig;
}

/** The configured limits, defaults filled in. */
export function limitsOf(deps: Pick<ServiceDeps, "limits">): Limits {
  return { ...DEFAULT_LIMITS, ...deps.limits };
}

/** No-op logger used when none is given. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** `deps.now()` or the wall clock. */
export function nowOf(deps: Pick<ServiceDeps, "now">): Date {
  return deps.now ? deps.now() : new Date();
}
