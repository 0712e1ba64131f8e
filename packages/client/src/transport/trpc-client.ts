import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { toCairnError } from "./errors.js";
import {
  backoffDelay,
  isNetworkError,
  OutcomeUnknownError,
  type RetryOptions,
  wasNotSent,
} from "./retry.js";
import type { CairnTrpcClient } from "./router-types.js";

/** Options of {@link createCairnTrpcClient}. */
export interface CairnTrpcClientOptions {
  /** Server root, e.g. `http://127.0.0.1:8080`; tRPC is at `<baseUrl>/trpc`. */
  baseUrl: string;
  /** API key sent as `Authorization: Bearer <key>`; null for anonymous reads. */
  apiKey: string | null;
  /** Retries of connection failures and 503 answers. */
  retry?: RetryOptions;
  /** fetch implementation (tests). Default the global fetch. */
  fetch?: typeof fetch;
}

/**
 * A fetch that retries connection failures and 503 (a draining or overloaded server) with
 * exponential backoff. Other statuses are returned as they are: tRPC decodes them into errors.
 *
 * Queries (GET) are retried after any connection failure: they change nothing. Mutations (POST)
 * are retried only when they provably were not sent — the connection was never made — or the
 * server answered 503 (it refused them without running them). A reset or timeout after sending a
 * mutation throws {@link OutcomeUnknownError} instead: the server may have committed it, and a
 * blind retry would do it twice — except for mutations that are repeatable by construction
 * (content-addressed logs, finish), which are retried like queries.
 */
export function createRetryingFetch(base: typeof fetch, retry: RetryOptions = {}): typeof fetch {
  const attempts = Math.max(1, retry.attempts ?? 4);
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const method = (init?.method ?? "GET").toUpperCase();
    const safe = method === "GET" || method === "HEAD" || repeatable(input);
    for (let attempt = 0; ; attempt++) {
      const last = attempt + 1 >= attempts;
      let response: Response;
      try {
        response = await base(input, init);
      } catch (error) {
        if (!isNetworkError(error)) throw error;
        if (!safe && !wasNotSent(error)) throw new OutcomeUnknownError(error);
        if (last) throw error;
        await sleep(backoffDelay(attempt, retry));
        continue;
      }
      // Out of retries, the last 503 goes to tRPC, which reports it as an error.
      if (response.status !== 503 || last) return response;
      await response.body?.cancel();
      await sleep(backoffDelay(attempt, retry));
    }
  }) as typeof fetch;
}

/**
 * Mutations whose repetition has the effect of one call, so a retry after an unknown outcome is
 * safe: a log or re-log is addressed by its contents (identical contents resolve to the version
 * the first attempt made, and the same aliases move there again), a second finish of a draft
 * answers the version the first one committed, and `blobs.missing` only reads (it is a POST for
 * its body's size; the upload sessions a repeat opens are swept), and `admin.repack` moves only
 * what is still loose. Upserts are not here: a late
 * repeat could override another writer's later upsert of the same path.
 */
export const REPEATABLE_MUTATIONS: ReadonlySet<string> = new Set([
  "artifacts.log",
  "artifacts.relog",
  "artifacts.finish",
  "blobs.missing",
  "admin.repack",
]);

/** True when every procedure of a tRPC (batch) request URL is in {@link REPEATABLE_MUTATIONS}. */
function repeatable(input: Parameters<typeof fetch>[0]): boolean {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const path = /\/trpc\/([^?]+)/.exec(url)?.[1];
  if (!path) return false;
  return decodeURIComponent(path)
    .split(",")
    .every((procedure) => REPEATABLE_MUTATIONS.has(procedure));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A typed tRPC client of a Cairn server over `httpBatchLink`, with auth and retries. */
export function createCairnTrpcClient(options: CairnTrpcClientOptions): CairnTrpcClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  return createTRPCClient({
    links: [
      httpBatchLink({
        url: `${baseUrl}/trpc`,
        // Node's default header limit is 16 KiB: long GET batches are split below it.
        maxURLLength: 8_000,
        headers: () => (options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        fetch: createRetryingFetch(options.fetch ?? fetch, options.retry),
      }),
    ],
  });
}

/**
 * Awaits one tRPC call and rethrows its failure as a CairnError (see `toCairnError`). Every call
 * the SDK makes goes through this, so users only ever see CairnErrors.
 */
export async function callServer<T>(baseUrl: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toCairnError(error, baseUrl);
  }
}
