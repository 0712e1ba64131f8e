import type { IncomingMessage, ServerResponse } from "node:http";
import { CairnError, formatDuration } from "@cairn/core";
import { type EventPage, listEventsInputSchema, type Services } from "@cairn/services";
import { sendError } from "./http-errors.js";

/** Path of the live event stream (Server-Sent Events). */
export const EVENTS_PATH = "/events";
/** How often an open stream looks for new events. */
const POLL_MS = 200;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** Events read per poll. */
const PAGE = 500;

/** The open streams of one server, so a shutdown can end them instead of waiting on them. */
export interface EventStreams {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** Ends every open stream (clients reconnect with Last-Event-ID elsewhere). */
  closeAll(): void;
}

function resumeFrom(req: IncomingMessage, url: URL): number {
  const raw = req.headers["last-event-id"] ?? url.searchParams.get("lastEventId") ?? "0";
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || !/^\d{1,15}$/.test(value)) {
    throw new CairnError(
      "INVALID_INPUT",
      `Last-Event-ID ${JSON.stringify(value)} is not an event position: send the id of the last event received (a number), or nothing to start from the oldest kept.`,
    );
  }
  return Number(value);
}

/** The data of a `gap` event: the stream's position fell behind the pruned horizon. */
export interface EventGap {
  /** The position the stream was at (the client's `Last-Event-ID`, or its last event). */
  after: number;
  /** Highest pruned seq: some events between `after` and this were deleted. */
  prunedThrough: number;
  /** The retention that pruned them, as a duration (`30d`), or null when not recorded. */
  retention: string | null;
  message: string;
}

function gapOf(after: number, page: EventPage): EventGap {
  const retention = page.retentionMs === null ? null : formatDuration(page.retentionMs);
  return {
    after,
    prunedThrough: page.prunedThrough,
    retention,
    message: `Events after ${after} up to ${page.prunedThrough} were pruned: delivered events are kept for ${retention ?? "the event retention"} (CAIRN_EVENT_RETENTION). The stream continues with the oldest event kept; read the current state (e.g. \`cairn ls\`) to catch up on what was missed.`,
  };
}

/**
 * `GET /events?entity=<e>&project=<p>`: the project's events as Server-Sent Events, oldest first
 * from `Last-Event-ID` (header, or `lastEventId` query for browsers' reconnects; 0 = the oldest
 * kept). Each event's SSE `id` is its seq in the project, `event` its type, `data` the event JSON
 * as webhooks receive it. A stream whose position is older than the pruned horizon (events
 * deleted after `CAIRN_EVENT_RETENTION`) first gets an `event: gap` (no id; data {@link EventGap})
 * naming what was lost, then carries on with the oldest event kept — never a silent skip. Authorised like a read of the project, re-checked at every poll, so a
 * revoked key or a project made private ends the stream.
 */
export function createEventStreams(services: Services): EventStreams {
  const open = new Set<() => void>();
  return {
    closeAll() {
      for (const close of open) close();
    },
    async handle(req, res, url) {
      if (req.method !== "GET") {
        sendError(res, 405, "METHOD_NOT_SUPPORTED", `Use GET ${EVENTS_PATH}?entity=…&project=….`, {
          allow: "GET",
        });
        return;
      }
      const input = listEventsInputSchema.safeParse({
        entity: url.searchParams.get("entity") ?? undefined,
        project: url.searchParams.get("project") ?? undefined,
      });
      if (!input.success) {
        throw new CairnError(
          "INVALID_INPUT",
          `GET ${EVENTS_PATH} needs ?entity=<entity>&project=<project> naming the project to watch.`,
        );
      }
      let after = resumeFrom(req, url);
      const actor = await services.authenticate(req.headers.authorization);
      // First read before the headers: a refusal is still a plain JSON 4xx.
      let page = await services.hooks.events(actor, { ...input.data, after, limit: PAGE });
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write(`retry: 1000\n\n`);
      // Position 0 asks for "the oldest kept": nothing is missed. Past that, a position below the
      // horizon missed the pruned events above it; the horizon read with each page catches a
      // prune that happens while the stream is open.
      let horizon = page.prunedThrough;
      if (after > 0 && after < horizon) {
        res.write(`event: gap\ndata: ${JSON.stringify(gapOf(after, page))}\n\n`);
      }
      let closed = false;
      let wake: (() => void) | undefined;
      const close = () => {
        closed = true;
        wake?.();
      };
      open.add(close);
      res.on("close", close);
      let lastWrite = Date.now();
      try {
        while (!closed) {
          for (const event of page.events) {
            res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
            lastWrite = Date.now();
          }
          after = page.lastSeq;
          if (page.events.length < PAGE) {
            if (Date.now() - lastWrite > HEARTBEAT_MS) {
              res.write(": keep-alive\n\n");
              lastWrite = Date.now();
            }
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, POLL_MS);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
          }
          if (closed) break;
          page = await services.hooks.events(actor, { ...input.data, after, limit: PAGE });
          if (page.prunedThrough > horizon) {
            if (after < page.prunedThrough) {
              res.write(`event: gap\ndata: ${JSON.stringify(gapOf(after, page))}\n\n`);
            }
            horizon = page.prunedThrough;
          }
        }
      } catch (error) {
        // Headers are out: an SSE error event, then the end (the client reconnects and resumes).
        const message =
          error instanceof CairnError ? error.message : "The stream failed; reconnect to resume.";
        res.write(`event: error\ndata: ${JSON.stringify({ message })}\n\n`);
      } finally {
        open.delete(close);
        res.end();
      }
    },
  };
}
