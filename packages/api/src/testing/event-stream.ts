/** One Server-Sent-Events block of `GET /events` that carried data. */
export interface EventStreamBlock {
  /** The `event:` field (absent for plain events; `gap` after pruning). */
  event: string | undefined;
  /** The `id:` field (the event's seq). */
  id: string | undefined;
  /** The parsed `data:` JSON. */
  data: Record<string, unknown>;
}

/** What {@link readEventStream} read. */
export interface EventStreamRead {
  status: number;
  contentType: string | null;
  blocks: EventStreamBlock[];
}

/**
 * Reads `GET <baseUrl>/events?entity=admin&project=default` (or `path`) block by block until
 * `until(blocks)` holds, then closes the stream; gives up after `timeoutMs` (default 20 s) with
 * what came. `apiKey` signs the request, `lastEventId` resumes a stream.
 */
export async function readEventStream(
  baseUrl: string,
  options: {
    until: (blocks: readonly EventStreamBlock[]) => boolean;
    apiKey?: string | null;
    lastEventId?: number | null;
    path?: string;
    timeoutMs?: number;
  },
): Promise<EventStreamRead> {
  const controller = new AbortController();
  const headers: Record<string, string> = {};
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  if (options.lastEventId != null) headers["last-event-id"] = String(options.lastEventId);
  const path = options.path ?? "/events?entity=admin&project=default";
  const timeout = setTimeout(() => controller.abort(), options.timeoutMs ?? 20_000);
  const blocks: EventStreamBlock[] = [];
  try {
    const res = await fetch(`${baseUrl}${path}`, { headers, signal: controller.signal });
    const read: EventStreamRead = {
      status: res.status,
      contentType: res.headers.get("content-type"),
      blocks,
    };
    if (!res.ok || !res.body) return read;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const text = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(text)?.[1];
          if (data === undefined) continue;
          blocks.push({
            event: /^event: (.*)$/m.exec(text)?.[1],
            id: /^id: (.*)$/m.exec(text)?.[1],
            data: JSON.parse(data) as Record<string, unknown>,
          });
        }
        if (options.until(blocks)) break;
      }
    } catch (error) {
      // The timeout's abort ends the body: return what came.
      if (!controller.signal.aborted) throw error;
    }
    return read;
  } finally {
    clearTimeout(timeout);
    controller.abort();
  }
}
