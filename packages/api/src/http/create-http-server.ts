import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { Services } from "@cairn/services";
import type { Logger } from "pino";
import { BLOB_ROUTE_PREFIX, handleBlobRoute } from "./blob-routes.js";
import { BUNDLE_DOWNLOAD_PATH, handleBundleDownload } from "./bundle-download-route.js";
import { BUNDLE_UPLOAD_PATH, handleBundleUpload } from "./bundle-upload-route.js";
import { createEventStreams, EVENTS_PATH } from "./events-route.js";
import { serveLiveness, serveReadiness } from "./health-routes.js";
import { httpErrorOf, sendError, sendJson } from "./http-errors.js";
import { type CairnMetrics, createCairnMetrics, routeLabelOf } from "./metrics.js";
import { instrumentServices } from "./metrics-instrument.js";
import { serveMetrics } from "./metrics-server.js";
import { OPENAPI_PATH, serveOpenApi } from "./openapi-route.js";
import { assignRequestId } from "./request-id.js";
import { serveStatic } from "./static-files.js";
import { createTrpcRoute } from "./trpc-route.js";

/** PEM certificate chain and private key; given both, the server speaks HTTPS. */
export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
}

/** Options of {@link createCairnHttpServer}. */
export interface CairnHttpServerOptions {
  services: Services;
  logger: Logger;
  tls?: TlsOptions;
  /** Directory of the built web app, served with an index.html fallback for client routes. */
  webDir?: string;
  /** Largest tRPC request body (bytes); byte routes are bounded by their token's size instead. */
  maxTrpcBodyBytes?: number;
  /** Per-check bound of `/readyz`. Default 2000 ms. */
  readinessTimeoutMs?: number;
  /**
   * A server from {@link createNodeServer}, possibly already listening: lets a composition root
   * bind port 0 first and build the services with the real public URL (byte URLs embed it).
   * `tls` is then ignored (the server was created with or without it).
   */
  server?: http.Server;
  /**
   * The process's metrics, served at `/metrics`; default a fresh registry. Pass one to also
   * record job durations (`instrumentProcessors`) into the same registry.
   */
  metrics?: CairnMetrics;
}

/** Options of {@link CairnHttpServer.shutdown}. */
export interface ShutdownOptions {
  /** How long in-flight requests may take to finish before their connections are cut. Default 30 s. */
  timeoutMs?: number;
  /** Closes what the server used (database, job runner), after the last request ended. */
  closeDeps?: () => Promise<void>;
}

/** A Cairn HTTP(S) host: the node server plus listen and graceful-shutdown helpers. */
export interface CairnHttpServer {
  readonly server: http.Server;
  readonly protocol: "http" | "https";
  /** The registry behind `/metrics`. */
  readonly metrics: CairnMetrics;
  /** Listens on `host:port` (port 0 = a free port) and resolves with the URL it serves. */
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  /**
   * Stops accepting connections, lets in-flight requests finish (cutting them after `timeoutMs`),
   * then runs `closeDeps`. Idempotent: later calls return the first call's promise.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

/**
 * Longer than the longest legitimate request: `artifacts.draftStatus` long-polls up to 25 s.
 */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * The HTTP host of the API: tRPC at `/trpc`, the directory store's byte routes at
 * `/blobs/<digest>`, `/healthz` and `/readyz`, and the web app from `webDir`. Every error answers
 * a JSON body (`{ error: { code, message } }` outside tRPC); user mistakes are 4xx, never 500.
 * Access logs carry method, path (never the query: it holds byte tokens), status and duration.
 */
export function createCairnHttpServer(options: CairnHttpServerOptions): CairnHttpServer {
  const { logger, webDir } = options;
  const metrics = options.metrics ?? createCairnMetrics({ services: options.services });
  // Upload and dedup counters sit on the blob calls; every other call is untouched.
  const services = instrumentServices(options.services, metrics);
  const trpc = createTrpcRoute({
    services,
    logger,
    ...(options.maxTrpcBodyBytes === undefined ? {} : { maxBodyBytes: options.maxTrpcBodyBytes }),
  });
  const blobContext = { services, logger };
  const eventStreams = createEventStreams(services);
  let draining = false;

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname;
    if (path === "/trpc" || path.startsWith("/trpc/")) {
      trpc(req, res);
      return;
    }
    if (path.startsWith(BLOB_ROUTE_PREFIX)) {
      await handleBlobRoute(blobContext, req, res, url);
      return;
    }
    if (path === BUNDLE_DOWNLOAD_PATH) {
      await handleBundleDownload(blobContext, req, res, url);
      return;
    }
    if (path === BUNDLE_UPLOAD_PATH) {
      await handleBundleUpload(services, req, res, url);
      return;
    }
    if (path === EVENTS_PATH) {
      await eventStreams.handle(req, res, url);
      return;
    }
    if (path === "/metrics") {
      await serveMetrics(metrics, req, res);
      return;
    }
    if (path === OPENAPI_PATH) {
      serveOpenApi(req, res);
      return;
    }
    if (path === "/healthz" || path === "/readyz") {
      if (req.method !== "GET" && req.method !== "HEAD") {
        sendError(res, 405, "METHOD_NOT_SUPPORTED", `Use GET ${path}.`, { allow: "GET, HEAD" });
      } else if (path === "/healthz") {
        if (draining)
          sendJson(res, 503, {
            ok: false,
            error: { code: "UNAVAILABLE", message: "Shutting down." },
          });
        else serveLiveness(res);
      } else {
        await serveReadiness(services, logger, res, options.readinessTimeoutMs);
      }
      return;
    }
    if (webDir !== undefined && (req.method === "GET" || req.method === "HEAD")) {
      await serveStatic(webDir, req, res, path);
      return;
    }
    sendError(
      res,
      404,
      "NOT_FOUND",
      `Nothing is served at ${req.method} ${path}: the API is at /trpc, bytes at /blobs/<digest>, health at /healthz and /readyz, metrics at /metrics, the API's description at /openapi.json.`,
    );
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    // Every answer names its request id; a 500 quotes it so a user can report it and an operator
    // can find the logged cause. It is passed down explicitly (the tRPC context, error maps): an
    // AsyncLocalStorage cost ~18 % of the hot read path's CPU on Node 20 (bench/README.md).
    handle(req, res, assignRequestId(req, res));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, requestId: string): void => {
    const started = performance.now();
    let path = "(unparsed)";
    res.on("close", () => {
      // 499 (nginx's "client closed request"): the connection ended before a response was sent.
      const status = res.writableFinished ? res.statusCode : 499;
      const seconds = (performance.now() - started) / 1000;
      metrics.observeRequest(routeLabelOf(path), req.method ?? "GET", status, seconds);
      const entry = {
        requestId,
        method: req.method,
        path,
        status,
        ms: Math.round(seconds * 1000),
      };
      if (status >= 500) logger.error(entry, "request");
      else if (path === "/healthz" || path === "/readyz" || path === "/metrics")
        logger.debug(entry, "request");
      else logger.info(entry, "request");
    });
    // While draining, keep-alive connections are told to go away after this response.
    if (draining) res.setHeader("connection", "close");
    let url: URL;
    try {
      // Prefixing a fixed origin keeps `//evil/x` a path instead of a host.
      url = new URL(`http://cairn${req.url ?? "/"}`);
      path = url.pathname;
    } catch {
      sendError(res, 400, "BAD_REQUEST", "The request URL is malformed.");
      return;
    }
    route(req, res, url).catch((error: unknown) => {
      if (res.destroyed) {
        // The client hung up (or shutdown cut it): nobody is left to answer, and it is no server fault.
        logger.warn({ err: error, requestId, method: req.method, path }, "request aborted");
        return;
      }
      const { status, body } = httpErrorOf(error, requestId);
      if (status >= 500)
        logger.error({ err: error, requestId, method: req.method, path }, "request failed");
      // A refused upload leaves its body unread: close the connection rather than drain it.
      if (!req.complete) res.setHeader("connection", "close");
      sendJson(res, status, body);
    });
  };

  const server = options.server ?? createNodeServer(options.tls);
  server.on("request", listener);
  const protocol = server instanceof https.Server ? "https" : "http";

  // Malformed HTTP never reaches the listener: answer it in JSON too, not Node's bare 400.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({
      error: { code: "BAD_REQUEST", message: "Malformed HTTP request." },
    });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  let shutdownPromise: Promise<void> | undefined;

  return {
    server,
    protocol,
    metrics,
    listen: (port, host) => listenOn(server, port, host),
    shutdown(shutdownOptions = {}) {
      shutdownPromise ??= (async () => {
        draining = true;
        eventStreams.closeAll();
        await closeServer(server, shutdownOptions.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS, logger);
        await shutdownOptions.closeDeps?.();
      })();
      return shutdownPromise;
    },
  };
}

/** A bare HTTP server, or HTTPS when `tls` is given, with no request handler yet. */
export function createNodeServer(tls?: TlsOptions): http.Server {
  // https.Server has every http.Server method the host uses (listen, close, closeIdleConnections).
  return tls
    ? (https.createServer({ cert: tls.cert, key: tls.key }) as unknown as http.Server)
    : http.createServer();
}

/**
 * Listens on `host:port` (0 = any free port) and resolves with the URL served, e.g.
 * `http://127.0.0.1:41234`; rejects with the listen error (EADDRINUSE, EACCES).
 */
export function listenOn(
  server: http.Server,
  port: number,
  host: string,
): Promise<{ url: string; port: number }> {
  const protocol = server instanceof https.Server ? "https" : "http";
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const address = server.address() as AddressInfo;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      resolve({ url: `${protocol}://${shownHost}:${address.port}`, port: address.port });
    });
  });
}

async function closeServer(server: http.Server, timeoutMs: number, logger: Logger): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Connections that fall idle after their in-flight request ends are closed promptly, so
  // keep-alive clients cannot hold the shutdown open until the bound.
  server.closeIdleConnections();
  const sweeper = setInterval(() => server.closeIdleConnections(), 50);
  const bound = setTimeout(() => {
    logger.warn({ timeoutMs }, "shutdown: cutting requests still in flight");
    server.closeAllConnections();
  }, timeoutMs);
  try {
    await closed;
  } finally {
    clearInterval(sweeper);
    clearTimeout(bound);
  }
}
