import type { IncomingMessage, ServerResponse } from "node:http";
import { limitsOf, type Services } from "@cairn/services";
import type { TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { Logger } from "pino";
import { requestIdOfError, toTrpcError } from "../error-map.js";
import { appRouter } from "../root.js";
import type { Context } from "../trpc.js";
import { requestIdOf } from "./request-id.js";
import { createFastQueryRoute } from "./trpc-fast-query.js";

/** The path tRPC is mounted at. */
export const TRPC_BASE_PATH = "/trpc/";

/**
 * Largest tRPC request body accepted. A 10,000-entry manifest (the per-call limit) is a few MB;
 * batching may join several, so this leaves room while bounding memory per request.
 */
export const DEFAULT_MAX_TRPC_BODY_BYTES = 64 * 1024 * 1024;

/** Builds the `/trpc` request listener over the composed services. */
export function createTrpcRoute(options: {
  services: Services;
  logger: Logger;
  maxBodyBytes?: number;
  /** `false`: every request through tRPC's own handler (the wire-format test's reference). Default true. */
  fastQueries?: boolean;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const { services, logger } = options;
  const logFailure = ({
    error,
    path,
    type,
    ctx,
  }: {
    error: TRPCError;
    path: string | undefined;
    type: string;
    ctx: Context | undefined;
  }) => {
    // Bugs and storage failures: the answer carries only the request id, the log the cause.
    if (error.code === "INTERNAL_SERVER_ERROR" || error.code === "SERVICE_UNAVAILABLE") {
      // Without a context (authentication itself failed), the id the mapping recorded.
      const requestId = ctx?.requestId ?? requestIdOfError(error);
      logger.error({ err: error.cause ?? error, requestId, path, type }, "tRPC procedure failed");
    }
  };
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: TRPC_BASE_PATH,
    maxBodySize: options.maxBodyBytes ?? DEFAULT_MAX_TRPC_BODY_BYTES,
    async createContext({ req, res }): Promise<Context> {
      const requestId = requestIdOf(res);
      try {
        const actor = await services.authenticate(req.headers.authorization);
        return requestId === undefined ? { services, actor } : { services, actor, requestId };
      } catch (error) {
        // An unknown or revoked key is the caller's mistake: 401 with the reason, never a 500.
        throw toTrpcError(error, requestId);
      }
    },
    onError: logFailure,
  });
  // Hot read GET queries skip the Fetch-API adapter (design note in trpc-fast-query.ts).
  const route =
    options.fastQueries === false
      ? trpc
      : createFastQueryRoute({ services, trpc, onError: logFailure });
  const anonymousMax = limitsOf(services.deps).anonymousBodyBytes;
  return (req, res) => {
    if (req.method !== "POST" || !mayExceed(req, anonymousMax)) {
      route(req, res);
      return;
    }
    // A body over the anonymous limit is only read for a caller with a valid API key: checked
    // before a byte of it is buffered, so anonymous floods cost the server nothing.
    isSignedIn(services, req.headers.authorization).then((signedIn) => {
      if (signedIn) route(req, res);
      else refuseAnonymousBody(req, res, anonymousMax);
    });
  };
}

/** True when the request may carry more than `max` bytes (declared so, or chunked). */
function mayExceed(req: IncomingMessage, max: number): boolean {
  const declared = req.headers["content-length"];
  if (declared === undefined) return req.headers["transfer-encoding"] !== undefined;
  return Number(declared) > max;
}

async function isSignedIn(services: Services, authorization: string | undefined): Promise<boolean> {
  if (!authorization) return false;
  try {
    return (await services.authenticate(authorization)) !== null;
  } catch {
    return false;
  }
}

function refuseAnonymousBody(req: IncomingMessage, res: ServerResponse, max: number): void {
  const message = `Anonymous requests may send at most ${max} bytes (CAIRN_MAX_ANONYMOUS_BODY_BYTES); this one declares ${req.headers["content-length"] ?? "a chunked body"}: sign in with an API key for larger requests.`;
  const body = JSON.stringify({
    error: {
      message,
      code: -32013,
      data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413, domainCode: "PAYLOAD_TOO_LARGE" },
    },
  });
  res.writeHead(413, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  res.end(body);
  req.resume();
}
