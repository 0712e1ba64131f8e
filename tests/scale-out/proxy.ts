import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A round-robin HTTP proxy on loopback in front of several Cairn server processes. */
export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>`: what clients (and CAIRN_PUBLIC_URL) use. */
  url: string;
  /** Replaces the upstream list (base URLs such as `http://127.0.0.1:41234`). */
  setBackends(backends: string[]): void;
  /** Requests answered by each upstream so far (by base URL). */
  readonly served: Map<string, number>;
  /** Requests moved to another upstream because theirs refused the connection. */
  readonly failovers: number;
  close(): Promise<void>;
}

/** An upstream that refused a connection is skipped this long before it is tried again. */
const DOWN_FOR_MS = 2_000;

/**
 * Starts the proxy. Like nginx's `proxy_next_upstream error`: a request whose connection the
 * upstream refuses goes to the next upstream (bodies are buffered for that); a request that dies
 * after it reached an upstream is not replayed — the client's socket is cut instead, so the client
 * sees a failed connection and decides (the SDK retries; Cairn's writes are idempotent).
 */
export async function startRoundRobinProxy(initial: string[] = []): Promise<RoundRobinProxy> {
  let backends = [...initial];
  let next = 0;
  let failovers = 0;
  const served = new Map<string, number>();
  const downUntil = new Map<string, number>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  /** Upstreams in the order to try for one request: round-robin, known-down ones last. */
  const order = (): string[] => {
    const start = next++;
    const rotated = backends.map((_, i) => backends[(start + i) % backends.length] as string);
    const now = Date.now();
    const up = rotated.filter((b) => (downUntil.get(b) ?? 0) <= now);
    return [...up, ...rotated.filter((b) => !up.includes(b))];
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    candidates: string[],
  ): void => {
    const backend = candidates[0];
    if (backend === undefined) {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "BAD_GATEWAY", message: "No upstream answered." } }));
      return;
    }
    const target = new URL(req.url ?? "/", backend);
    const upstream = http.request(target, {
      method: req.method,
      headers: { ...req.headers, host: target.host, "content-length": String(body.length) },
      agent,
    });
    let answered = false;
    upstream.on("response", (answer) => {
      answered = true;
      served.set(backend, (served.get(backend) ?? 0) + 1);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      // The upstream died mid-body: cut the client too, so it cannot take a truncated body as whole.
      answer.on("aborted", () => res.destroy());
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (answered) {
        res.destroy();
        return;
      }
      // Refused: the upstream never saw the request, so another may take it.
      if (error.code === "ECONNREFUSED") {
        downUntil.set(backend, Date.now() + DOWN_FOR_MS);
        failovers++;
        forward(req, res, body, candidates.slice(1));
        return;
      }
      // It may have been processed (a reset after the request went out): do not replay; the
      // client sees a dropped connection and retries, as it would against a real balancer.
      res.destroy();
    });
    upstream.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => forward(req, res, Buffer.concat(chunks), order()));
    req.on("error", () => res.destroy());
  });
  // Long-polls (draftStatus waits up to 25 s) must not be cut by the proxy's own timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    served,
    get failovers() {
      return failovers;
    },
    setBackends(list) {
      backends = [...list];
    },
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
