import type { PGlite } from "@electric-sql/pglite";
import { type Kysely, type QueryExecutorProvider, sql } from "kysely";
import pg from "pg";

/**
 * What Cairn signals on: `draft` (payload: the draft id) when a draft becomes `finished` or
 * `failed`; `outbox` (payload: free text) when webhook deliveries are written or rescheduled.
 */
export type NotificationTopic = "draft" | "outbox";

/**
 * Called with a notification's payload, or with `null` after the listening connection was lost
 * and re-established: notifications sent meanwhile are gone, so re-check whatever you wait for.
 */
export type NotificationHandler = (payload: string | null) => void;

/**
 * Wake-ups from the database (PostgreSQL `LISTEN`/`NOTIFY`). A notification is only a hint to
 * re-read: it may be lost (a dropped connection), so every waiter keeps a slow fallback poll.
 */
export interface Notifications {
  /**
   * Calls `handler` for every notification on `topic` until the returned function is called.
   * Resolves once the topic is being listened to (or the attempt failed: the fallback poll covers
   * that); never rejects.
   */
  listen(topic: NotificationTopic, handler: NotificationHandler): Promise<() => void>;
  /** Stops listening and closes the dedicated connection (PostgreSQL). */
  close(): Promise<void>;
}

/**
 * The channel of a topic, computed in SQL on both sides from the session's schema: databases
 * shared by several schemas (test isolation, several installs) never wake each other, and the
 * name stays within PostgreSQL's 63-byte limit whatever the schema is called.
 */
function channelSql(topic: NotificationTopic) {
  return sql<string>`'cairn_' || left(md5(current_schema()), 16) || '_' || ${topic}::text`;
}

/**
 * Sends a notification on `topic`. Inside a transaction it is delivered at commit (and dropped on
 * rollback), so call it in the same transaction as the change it announces.
 */
export async function notify(
  db: QueryExecutorProvider,
  topic: NotificationTopic,
  payload: string,
): Promise<void> {
  await sql`select pg_notify(${channelSql(topic)}, ${payload})`.execute(db);
}

/** Handlers per topic, and the one attempt per topic to start listening. */
class HandlerTable {
  readonly handlers = new Map<NotificationTopic, Set<NotificationHandler>>();

  add(topic: NotificationTopic, handler: NotificationHandler): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  dispatch(topic: NotificationTopic, payload: string | null): void {
    for (const handler of this.handlers.get(topic) ?? []) {
      try {
        handler(payload);
      } catch {
        // One waiter's bug must not keep the others asleep.
      }
    }
  }

  dispatchAll(payload: null): void {
    for (const topic of this.handlers.keys()) this.dispatch(topic, payload);
  }
}

const TOPICS: readonly NotificationTopic[] = ["draft", "outbox"];

function topicOfChannel(channel: string): NotificationTopic | undefined {
  return TOPICS.find((topic) => channel.endsWith(`_${topic}`));
}

/** Options of {@link createPgNotifications}: how to reach the same database and schema as the pool. */
export interface PgNotificationsOptions {
  connectionString: string;
  /** The pool's startup options (e.g. `-c search_path=…`), so the channel names agree. */
  options?: string;
  /** First reconnect delay; doubles up to 10 s. Default 250 ms. */
  reconnectMs?: number;
}

/**
 * Notifications over ONE dedicated PostgreSQL connection per process (opened on the first
 * `listen`), however many waiters there are. A lost connection is re-opened with backoff; once it
 * is back every handler gets `null` (re-check). `NOTIFY` itself goes through the normal pool.
 */
export function createPgNotifications(config: PgNotificationsOptions): Notifications {
  const table = new HandlerTable();
  const listening = new Set<NotificationTopic>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client | undefined> | undefined;
  let prefix = "";
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const firstDelay = config.reconnectMs ?? 250;
  let delay = firstDelay;

  const quoted = (topic: NotificationTopic) => `"${prefix}_${topic}"`;

  const lost = (lostClient: pg.Client) => {
    if (client !== lostClient) return;
    client = undefined;
    lostClient.end().catch(() => {});
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer || listening.size === 0) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect().then((c) => {
        // Whatever was sent while we were away is lost: every waiter re-checks.
        if (c) table.dispatchAll(null);
      });
    }, delay);
    delay = Math.min(delay * 2, 10_000);
  };

  const connect = (): Promise<pg.Client | undefined> => {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const next = new pg.Client({
        connectionString: config.connectionString,
        application_name: "cairn-listen",
        keepAlive: true,
        ...(config.options === undefined ? {} : { options: config.options }),
      });
      next.on("error", () => lost(next));
      next.on("end", () => lost(next));
      next.on("notification", (message) => {
        const topic = topicOfChannel(message.channel);
        if (topic) table.dispatch(topic, message.payload ?? "");
      });
      try {
        await next.connect();
        const row = await next.query<{ prefix: string }>(
          "select 'cairn_' || left(md5(current_schema()), 16) as prefix",
        );
        prefix = row.rows[0]?.prefix ?? "";
        for (const topic of listening) await next.query(`LISTEN ${quoted(topic)}`);
        if (closed) {
          await next.end().catch(() => {});
          return undefined;
        }
        client = next;
        delay = firstDelay;
        return next;
      } catch {
        await next.end().catch(() => {});
        scheduleReconnect();
        return undefined;
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  };

  return {
    async listen(topic, handler) {
      const remove = table.add(topic, handler);
      if (closed) return remove;
      if (!listening.has(topic)) {
        listening.add(topic);
        const c = await connect();
        // A connection opened before this topic was added listens to it now.
        if (c) await c.query(`LISTEN ${quoted(topic)}`).catch(() => lost(c));
      } else {
        await connecting;
      }
      return remove;
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      await connecting;
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}

/**
 * Notifications of an embedded PGlite: its own `listen`, delivered in-process at commit. The
 * `LISTEN` runs while holding the Kysely connection (the dialect's lock), so it can never land
 * inside another caller's open transaction.
 */
export function createPGliteNotifications(pglite: PGlite, db: Kysely<unknown>): Notifications {
  const table = new HandlerTable();
  const listening = new Map<NotificationTopic, Promise<void>>();
  let closed = false;
  return {
    async listen(topic, handler) {
      const remove = table.add(topic, handler);
      if (closed) return remove;
      let started = listening.get(topic);
      if (!started) {
        started = db
          .connection()
          .execute(async (conn) => {
            const { rows } = await sql<{
              channel: string;
            }>`select ${channelSql(topic)} as channel`.execute(conn);
            const channel = rows[0]?.channel;
            if (channel) await pglite.listen(channel, (payload) => table.dispatch(topic, payload));
          })
          .catch(() => {});
        listening.set(topic, started);
      }
      await started;
      return remove;
    },
    async close() {
      closed = true;
      await Promise.all(listening.values());
    },
  };
}
