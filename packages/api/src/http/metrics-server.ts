import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { sendError, sendJson } from "./http-errors.js";
import type { CairnMetrics } from "./metrics.js";

/** Answers `GET|HEAD /metrics` with the registry's Prometheus text (the server's route and a worker's). */
export async function serveMetrics(
  metrics: CairnMetrics,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendError(res, 405, "METHOD_NOT_SUPPORTED", "Use GET /metrics.", { allow: "GET, HEAD" });
    return;
  }
  const text = await metrics.render();
  res.writeHead(200, { "content-type": metrics.contentType });
  res.end(req.method === "HEAD" ? undefined : text);
}

/** A running metrics endpoint; `close()` stops it. */
export interface MetricsServer {
  /** Where it listens, e.g. `http://127.0.0.1:9464` (the real port when asked for 0). */
  url: string;
  close(): Promise<void>;
}

/**
 * A process without the API (a `cairn worker`) serves its metrics on a port of its own: `/metrics`
 * (the same registry and exposition as the server's) and `/healthz`; anything else is a 404
 * naming both.
 */
export function startMetricsServer(
  metrics: CairnMetrics,
  options: { port: number; host: string },
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      serveMetrics(metrics, req, res).catch(() => {
        if (!res.headersSent) sendError(res, 500, "INTERNAL", "The metrics could not be read.");
        else res.destroy();
      });
    } else if (path === "/healthz") {
      sendJson(res, 200, { ok: true });
    } else {
      sendError(
        res,
        404,
        "NOT_FOUND",
        `Nothing is served at ${path}: this port serves /metrics and /healthz.`,
      );
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : options.port;
      const host = options.host.includes(":") ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
