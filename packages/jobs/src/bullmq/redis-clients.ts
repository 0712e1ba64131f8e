import { CairnError, isCairnError } from "@cairn/core";
import { Redis } from "ioredis";
import type { ErrorSink } from "../types.js";

/** Where BullMQ's Redis is: a URL (the runner owns its connections) or a caller-owned client. */
export type BullmqConnection = { url: string } | Redis;

/**
 * The Redis connections of one BullMQ runner, following BullMQ's "going to production" guide:
 * producers fail fast (`enableOfflineQueue: false`, so an unreachable Redis is an error, not a
 * hang), workers and event listeners retry for ever (`maxRetriesPerRequest: null`), and every
 * client has an `error` listener (ioredis would otherwise print unhandled-error noise).
 */
export interface RedisClients {
  /** The Redis location for messages, password redacted. */
  readonly where: string;
  /** The producer client, once ready; CairnError UNAVAILABLE when Redis does not answer. */
  producer(): Promise<Redis>;
  /** A new client for a Worker or QueueEvents (blocking commands); closed by {@link close}. */
  blocking(): Redis;
  /** Wraps a Redis failure of `operation` as UNAVAILABLE (CairnErrors pass through). */
  unavailable(operation: string, cause: unknown): CairnError;
  /** Closes every client this object created (never a caller-owned one). */
  close(): Promise<void>;
}

function isRedisClient(connection: BullmqConnection): connection is Redis {
  // Checked by shape, not instanceof: the caller may hold another copy of ioredis.
  return typeof (connection as Redis).duplicate === "function";
}

/** `redis://user:***@host:port/db` — never print a password into logs or error messages. */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new CairnError(
      "INVALID_INPUT",
      `Redis URL ${JSON.stringify(url.replace(/:[^:@/]*@/, ":***@"))} is not a URL: use redis://[user:password@]host:port[/db] (or rediss:// for TLS).`,
      { cause },
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new CairnError(
      "INVALID_INPUT",
      `Redis URL scheme "${parsed.protocol}" is not supported: use redis:// or rediss://.`,
    );
  }
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

/** Creates the connection set for `connection`; nothing connects before it is first used. */
export function createRedisClients(
  connection: BullmqConnection,
  connectTimeoutMs: number,
  onError: ErrorSink,
): RedisClients {
  const owned: Redis[] = [];
  const shared = isRedisClient(connection);
  const where = shared
    ? `${connection.options.host ?? "127.0.0.1"}:${connection.options.port ?? 6379}`
    : redactRedisUrl(connection.url);
  let lastError: Error | undefined;
  // ioredis emits an error on every reconnect attempt: report the first of each outage only.
  const watch = (client: Redis, role: string): Redis => {
    let healthy = true;
    client.on("error", (error: Error) => {
      lastError = error;
      if (healthy) onError(error, `redis ${role} connection to ${where}`);
      healthy = false;
    });
    client.on("ready", () => {
      healthy = true;
    });
    return client;
  };

  let producer: Redis | undefined;
  let failedSinceReady = false;
  const producerClient = (): Redis => {
    if (producer) return producer;
    producer = shared ? connection : new Redis(connection.url, { enableOfflineQueue: false });
    if (!shared) owned.push(producer);
    watch(producer, "producer");
    producer.on("error", () => {
      failedSinceReady = true;
    });
    producer.on("ready", () => {
      failedSinceReady = false;
    });
    return producer;
  };

  const unreachable = (cause?: unknown) =>
    new CairnError(
      "UNAVAILABLE",
      `Redis at ${where} is unreachable: ${lastError?.message ?? `no answer within ${connectTimeoutMs} ms`}. Check REDIS_URL and that Redis is running (without REDIS_URL Cairn runs jobs in-process).`,
      { cause: cause ?? lastError },
    );

  return {
    where,
    async producer() {
      const client = producerClient();
      if (client.status === "ready") return client;
      // Already failed since the last ready: fail now rather than make every request wait.
      if (failedSinceReady || client.status === "end") throw unreachable();
      if (client.status === "wait") client.connect().catch(() => {});
      await new Promise<void>((resolve, reject) => {
        const done = (error?: CairnError) => {
          clearTimeout(timer);
          client.off("ready", onReady);
          client.off("error", onFailure);
          if (error) reject(error);
          else resolve();
        };
        const onReady = () => done();
        const onFailure = () => done(unreachable());
        const timer = setTimeout(() => done(unreachable()), connectTimeoutMs);
        client.once("ready", onReady);
        client.once("error", onFailure);
      });
      return client;
    },
    blocking() {
      const client = shared
        ? connection.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true })
        : new Redis(connection.url, { maxRetriesPerRequest: null });
      owned.push(client);
      return watch(client, "worker");
    },
    unavailable(operation, cause) {
      if (isCairnError(cause)) return cause;
      const detail = cause instanceof Error ? cause.message : String(cause);
      return new CairnError(
        "UNAVAILABLE",
        `Could not ${operation}: Redis at ${where} failed (${detail}). Check that Redis is running and reachable, then retry.`,
        { cause },
      );
    },
    async close() {
      await Promise.all(
        owned.splice(0).map(async (client) => {
          if (client.status === "ready") await client.quit().catch(() => client.disconnect());
          else client.disconnect();
        }),
      );
    },
  };
}
