import { CairnError, type CairnEvent, isErrorCode } from "@cairn/core";
import type { ClientContext } from "./context.js";

/** What the server reports when a stream's position is older than its pruned events. */
export interface EventGap {
  /** The position the stream was at. */
  after: number;
  /** Highest pruned position: some events between `after` and it are gone. */
  prunedThrough: number;
  /** The server's event retention (`30d`), or null when unknown. */
  retention: string | null;
  message: string;
}

/** Options of `api.events()`. */
export interface EventsOptions {
  entity?: string;
  project?: string;
  /** Start after this event position (`seq`); default 0 = from the oldest event the server keeps. */
  after?: number;
  /** Ends the iteration (the current connection is closed). */
  signal?: AbortSignal;
  /** Longest wait between reconnection attempts. Default 5,000 ms. */
  maxReconnectMs?: number;
  /**
   * Called when the server reports that events after the stream's position were pruned (older
   * than its `CAIRN_EVENT_RETENTION`); the iteration then goes on with the oldest event kept.
   * Without it, the iteration ends with a CairnError (CONFLICT) carrying the server's message.
   */
  onGap?: (gap: EventGap) => void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

async function refusal(res: Response): Promise<CairnError> {
  const body = (await res.json().catch(() => null)) as {
    error?: { code?: string; message?: string };
  } | null;
  const code = body?.error?.code;
  return new CairnError(
    isErrorCode(code) ? code : "UNAVAILABLE",
    body?.error?.message ?? `The event stream answered HTTP ${res.status}.`,
  );
}

/**
 * A project's events as an async iterator over `GET /events` (Server-Sent Events). A dropped
 * connection is resumed with `Last-Event-ID` (the last `seq` received), so nothing is missed and
 * nothing repeats; a refusal (unknown project, no access) ends the iteration with a CairnError,
 * and so does a position older than the server's pruned events unless `onGap` takes the report.
 * Runs until `signal` aborts or the consumer breaks out of the loop.
 */
export async function* streamEvents(
  ctx: ClientContext,
  project: { entity: string; project: string },
  options: EventsOptions = {},
): AsyncGenerator<CairnEvent> {
  let after = options.after ?? 0;
  let failures = 0;
  const outer = options.signal;
  while (!outer?.aborted) {
    const controller = new AbortController();
    const abort = () => controller.abort();
    outer?.addEventListener("abort", abort);
    try {
      const url = new URL("/events", ctx.baseUrl);
      url.searchParams.set("entity", project.entity);
      url.searchParams.set("project", project.project);
      const headers: Record<string, string> = { "last-event-id": String(after) };
      if (ctx.authorization) headers.authorization = ctx.authorization;
      const res = await ctx.fetch(url, { headers, signal: controller.signal });
      if (res.status >= 400 && res.status < 500) throw await refusal(res);
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      failures = 0;
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data !== undefined && /^event: gap$/m.test(block)) {
            const gap = JSON.parse(data) as EventGap;
            if (!options.onGap) throw new CairnError("CONFLICT", gap.message);
            options.onGap(gap);
            continue;
          }
          if (data === undefined || !/^id: \d+$/m.test(block)) continue;
          const event = JSON.parse(data) as CairnEvent;
          after = event.seq;
          yield event;
        }
      }
    } catch (error) {
      if (error instanceof CairnError) throw error;
      if (outer?.aborted) return;
      failures += 1;
    } finally {
      outer?.removeEventListener("abort", abort);
      controller.abort();
    }
    // The stream ended (server restart, proxy timeout) or failed: resume where it stopped.
    await sleep(Math.min(options.maxReconnectMs ?? 5_000, 250 * 2 ** Math.min(failures, 5)), outer);
  }
}
