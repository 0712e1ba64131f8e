import type { IncomingMessage, ServerResponse } from "node:http";
import type { Services } from "@cairn/services";
import {
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  type TRPCError,
  transformTRPCResponse,
} from "@trpc/server";
import { getHTTPStatusCode } from "@trpc/server/http";
import type { TRPCResponse } from "@trpc/server/rpc";
import { toTrpcError } from "../error-map.js";
import { appRouter } from "../root.js";
import { type Context, createCallerFactory } from "../trpc.js";
import { requestIdOf } from "./request-id.js";

/** The read procedures answered by {@link createFastQueryRoute}: hot, side-effect free, quick (no long-polls). */
export const FAST_QUERY_PROCEDURES: ReadonlySet<string> = new Set([
  "artifacts.get",
  "artifacts.manifest",
  "artifacts.entry",
  "artifacts.listCollections",
  "artifacts.listVersions",
]);

const createCaller = createCallerFactory(appRouter);

type Procedure = (input: unknown) => Promise<unknown>;

/** The caller's procedure at a dotted path (only paths of {@link FAST_QUERY_PROCEDURES}). */
function procedureAt(caller: unknown, path: string): Procedure {
  let node = caller as Record<string, unknown>;
  for (const key of path.split(".")) node = node[key] as Record<string, unknown>;
  return node as unknown as Procedure;
}

/** One procedure call of a request. */
interface Call {
  path: string;
  input: unknown;
}

/** The procedure calls a GET names, or null when the request is not one this route answers. */
function callsOf(req: IncomingMessage): { calls: Call[]; batched: boolean } | null {
  if (req.method !== "GET" || req.headers["trpc-accept"] !== undefined) return null;
  const url = req.url ?? "";
  const queryAt = url.indexOf("?");
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
  if (!pathname.startsWith("/trpc/")) return null;
  // Not URL-decoded: only the plain names of FAST_QUERY_PROCEDURES match.
  const paths = pathname.slice("/trpc/".length).split(",");
  if (!paths.every((p) => FAST_QUERY_PROCEDURES.has(p))) return null;
  const params = new URLSearchParams(queryAt === -1 ? "" : url.slice(queryAt + 1));
  const batch = params.get("batch");
  const text = params.get("input");
  try {
    if (batch === null) {
      if (paths.length !== 1) return null;
      const input = text === null ? undefined : JSON.parse(text);
      return { calls: [{ path: paths[0] as string, input }], batched: false };
    }
    if (batch !== "1") return null;
    const inputs = (text === null ? {} : JSON.parse(text)) as Record<string, unknown> | null;
    if (inputs === null || typeof inputs !== "object") return null;
    return { calls: paths.map((path, i) => ({ path, input: inputs[String(i)] })), batched: true };
  } catch {
    // Malformed input JSON: tRPC answers the 400 in its own words.
    return null;
  }
}

/** What {@link createFastQueryRoute} reports for each failed call (the tRPC handler's `onError`). */
export type FastQueryErrorHandler = (opts: {
  error: TRPCError;
  path: string;
  type: "query";
  ctx: Context | undefined;
}) => void;

/**
 * Wraps the tRPC request listener with a fast path for GET queries of the hot read procedures
 * (single or batched, as `httpLink`/`httpBatchLink` send them).
 *
 * Design note — why this exists and what it owns. tRPC's standalone adapter turns every Node
 * request into a Fetch `Request` (AbortController, `AbortSignal.any`, Headers, web streams) and
 * back; profiled under the `alias-resolution` benchmark (bench/README.md: 50 connections of
 * `GET /trpc/artifacts.get` and `artifacts.manifest`), that cost more CPU than the procedure and
 * its one SQL statement, and skipping it roughly quadrupled the request rate of those GETs. Here
 * the same procedures run through a tRPC caller (same input parsing, middlewares, services and
 * error formatter), and the answer — success AND failure — is written in tRPC's wire format with
 * tRPC's own public helpers (`getTRPCErrorShape`, `transformTRPCResponse`, `getHTTPStatusCode`):
 * `{"result":{"data":…}}` or `{"error":{…}}`, an array of them for a batch, 207 for a mixed
 * batch. A failed query is answered here, never run a second time through tRPC. Requests this
 * route does not recognise (another procedure, a mutation, `trpc-accept` streaming, malformed
 * input JSON) go to the tRPC handler before anything ran. `trpc-fast-query.test.ts` compares this
 * route's bytes with tRPC's own handler answering the same requests, so a change of tRPC's wire
 * format fails the tests; if the benchmark ever stops showing the win, delete this file.
 */
export function createFastQueryRoute(options: {
  services: Services;
  trpc: (req: IncomingMessage, res: ServerResponse) => void;
  onError?: FastQueryErrorHandler;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const { services, trpc, onError } = options;
  const config = appRouter._def._config;
  const answer = async (
    req: IncomingMessage,
    res: ServerResponse,
    { calls, batched }: { calls: Call[]; batched: boolean },
  ): Promise<void> => {
    let ctx: Context | undefined;
    let ctxError: TRPCError | undefined;
    const requestId = requestIdOf(res);
    try {
      const actor = await services.authenticate(req.headers.authorization);
      ctx = requestId === undefined ? { services, actor } : { services, actor, requestId };
    } catch (error) {
      // As the tRPC route's createContext: an unknown or revoked key is a 401 for every call.
      ctxError = toTrpcError(error, requestId);
    }
    const caller = ctx && createCaller(ctx);
    const settled = await Promise.all(
      calls.map(async (call): Promise<[TRPCError, undefined] | [undefined, unknown]> => {
        try {
          if (!caller) throw ctxError;
          return [undefined, await procedureAt(caller, call.path)(call.input)];
        } catch (cause) {
          const error = getTRPCErrorFromUnknown(cause);
          onError?.({ error, path: call.path, type: "query", ctx });
          return [error, undefined];
        }
      }),
    );
    const json = settled.map(([error, data], i): TRPCResponse => {
      if (!error) return { result: { data } };
      const call = calls[i] as Call;
      return {
        error: getTRPCErrorShape({
          config,
          ctx,
          error,
          input: call.input,
          path: call.path,
          type: "query",
        }),
      };
    });
    // Aligned with `json`, as tRPC passes them (undefined for a success).
    const errors = settled.map(([error]) => error) as TRPCError[];
    const reply = batched ? json : (json[0] as TRPCResponse);
    const status = getHTTPStatusCode(reply, errors);
    const body = JSON.stringify(transformTRPCResponse(config, reply));
    res.writeHead(status, {
      vary: "trpc-accept, accept",
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  };
  return (req, res) => {
    const request = callsOf(req);
    if (request === null) {
      trpc(req, res);
      return;
    }
    answer(req, res, request).catch(() => {
      // Only a failure to write the answer (the client went away): nothing ran twice.
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}
