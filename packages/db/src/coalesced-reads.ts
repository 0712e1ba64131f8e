import type { CompiledQuery, QueryResult } from "kysely";

/** What {@link executeCoalescedRead} needs of a Kysely instance or transaction. */
export interface ReadExecutor {
  readonly isTransaction: boolean;
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** Reads waiting to start, per database handle: statement key → the shared execution. */
const waiting = new WeakMap<object, Map<string, Promise<QueryResult<unknown>>>>();

/**
 * Runs a read-only statement, sharing one execution among identical statements (same SQL text,
 * same parameters, same database handle) issued in the same turn of the event loop.
 *
 * Why: a fleet of clients resolving the same reference at once (64 training workers starting and
 * asking for `dataset:production`; the `alias-resolution` benchmark's 50 connections) otherwise
 * sends PostgreSQL the same statement once per request, and sending a statement — a socket write
 * that wakes the database backend — was the largest single cost of the server's hot read path
 * (about a quarter of its CPU in the benchmark's profile).
 *
 * Why it stays exact: the shared statement is sent only after every caller that joins it has
 * called (it starts in `setImmediate`, after the I/O callbacks of the current turn), and a started
 * statement is never joined. So each caller's answer comes from a statement that began after the
 * caller asked — what it would have seen running alone; a write a client saw acknowledged before
 * it asked is always visible. The cost is at most one event-loop turn of delay for a lone read.
 *
 * Rules for callers: only statements without side effects; the rows are shared between callers,
 * so treat them as read-only. Inside a transaction it runs the statement directly (a transaction's
 * reads must see its own writes, on its own connection).
 */
export function executeCoalescedRead<R>(
  db: ReadExecutor,
  query: CompiledQuery<R>,
): Promise<QueryResult<R>> {
  if (db.isTransaction) return db.executeQuery(query);
  let pending = waiting.get(db);
  if (!pending) {
    pending = new Map();
    waiting.set(db, pending);
  }
  const key = `${query.sql}\u0000${JSON.stringify(query.parameters)}`;
  const joined = pending.get(key);
  if (joined) return joined as Promise<QueryResult<R>>;
  const queue = pending;
  const shared = new Promise<QueryResult<R>>((resolve, reject) => {
    setImmediate(() => {
      // Started: a later caller gets a statement of its own.
      queue.delete(key);
      db.executeQuery(query).then(resolve, reject);
    });
  });
  queue.set(key, shared as Promise<QueryResult<unknown>>);
  return shared;
}

/** Options of {@link turnBatch}. */
export interface TurnBatchOptions<I> {
  /** The identity of an input: calls with the same key in one turn share one result. */
  keyOf: (input: I) => string;
  /** Most inputs per `load` call (default 500); a larger turn is loaded in several calls. */
  maxBatch?: number;
}

/**
 * Batches the calls of one event-loop turn: `load` runs once per turn (in `setImmediate`, after
 * the turn's I/O callbacks) with the distinct inputs asked during it, and returns one result per
 * input, in order. The DataLoader pattern, for a hot read that many concurrent requests make with
 * different inputs (a fleet resolving different artifacts): one statement instead of one each.
 * Exact for the same reason as {@link executeCoalescedRead}: a batch starts after every call in it
 * was made and is never joined once started. When a batch of several inputs fails, each input is
 * loaded alone, so an input the statement rejects fails only its own callers.
 */
export function turnBatch<I, R>(
  load: (inputs: I[]) => Promise<R[]>,
  options: TurnBatchOptions<I>,
): (input: I) => Promise<R> {
  const maxBatch = options.maxBatch ?? 500;
  type Waiter = { resolve: (result: R) => void; reject: (error: unknown) => void };
  type Entry = { input: I; waiters: Waiter[] };
  let pending: Map<string, Entry> | null = null;
  const run = (inputs: I[]) =>
    // A synchronous throw of `load` fails like a rejection.
    new Promise<R[]>((resolve) => resolve(load(inputs)));
  const settle = (chunk: Entry[], isolate: boolean) => {
    run(chunk.map((entry) => entry.input)).then(
      (results) => {
        chunk.forEach((entry, i) => {
          for (const waiter of entry.waiters) waiter.resolve(results[i] as R);
        });
      },
      (error: unknown) => {
        // One caller's input must not fail another's call: a failed batch of several inputs is
        // loaded again input by input, so only the callers of a failing input see its error.
        if (isolate && chunk.length > 1) {
          for (const entry of chunk) settle([entry], false);
          return;
        }
        for (const entry of chunk) for (const waiter of entry.waiters) waiter.reject(error);
      },
    );
  };
  const flush = (batch: Map<string, Entry>) => {
    const entries = [...batch.values()];
    for (let start = 0; start < entries.length; start += maxBatch) {
      const chunk = entries.slice(start, start + maxBatch);
      settle(chunk, true);
    }
  };
  return (input) =>
    new Promise<R>((resolve, reject) => {
      if (pending === null) {
        const batch = new Map<string, Entry>();
        pending = batch;
        setImmediate(() => {
          // Started: later calls make the next batch.
          pending = null;
          flush(batch);
        });
      }
      const key = options.keyOf(input);
      const entry = pending.get(key);
      if (entry) entry.waiters.push({ resolve, reject });
      else pending.set(key, { input, waiters: [{ resolve, reject }] });
    });
}
