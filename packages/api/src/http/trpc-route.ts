import type { IncomingMessage, ServerResponse } from "node:http";
import type { Services } from "@cairn/services";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { Logger } from "pino";
import { toTrpcError } from "../error-map.js";
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
}): (req: IncomingMessage, res: ServerResponse) => void {
  const { services, logger } = options;
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
        throw toTrpcError(error);
      }
    },
    onError({ error, path, type, ctx }) {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        const requestId = ctx?.requestId;
        logger.error({ err: error.cause ?? error, requestId, path, type }, "tRPC procedure failed");
      }
    },
  });
  // Hot read queries skip the Fetch-API adapter; everything else (and every error) goes to tRPC.
  return createFastQueryRoute({ services, trpc });
}
