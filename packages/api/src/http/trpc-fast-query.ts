import type { IncomingMessage, ServerResponse } from "node:http";
import type { Services } from "@cairn/services";
import { appRouter } from "../root.js";
import { createCallerFactory } from "../trpc.js";

/**
 * The read procedures answered by {@link createFastQueryRoute}: hot, side-effect free, quick
 * (no long-polls), so answering one twice (once here, once through tRPC after a failure) is
 * harmless.
 */
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

/**
 * Wraps the tRPC request listener with a fast path for GET queries of the hot read procedures
 * (single or batched, as `httpLink`/`httpBatchLink` send them). tRPC's standalone adapter turns
 * every Node request into a Fetch `Request` (AbortController, Headers, web streams) and back;
 * profiled under 50 concurrent clients, that costs more CPU than the procedure and its SQL (see
 * bench/README.md, alias-resolution). Here the same procedures run through a tRPC caller (same
 * input parsing, middlewares and services) and a success is written as tRPC writes it
 * (`{"result":{"data":…}}`, or an array of them for a batch). Anything else — another procedure,
 * a mutation, streaming, a malformed request, a failed authentication or ANY error — goes to the
 * tRPC handler, so error shapes and status codes stay exactly tRPC's (the query runs again there:
 * these procedures only read).
 */
export function createFastQueryRoute(options: {
  services: Services;
  trpc: (req: IncomingMessage, res: ServerResponse) => void;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const { services, trpc } = options;
  const answer = async (
    req: IncomingMessage,
    res: ServerResponse,
    { calls, batched }: { calls: Call[]; batched: boolean },
  ): Promise<void> => {
    let results: unknown[];
    try {
      const actor = await services.authenticate(req.headers.authorization);
      const caller = createCaller({ services, actor });
      results = await Promise.all(calls.map((c) => procedureAt(caller, c.path)(c.input)));
    } catch {
      if (!res.headersSent && !res.destroyed) trpc(req, res);
      return;
    }
    const envelopes = results.map((data) => ({ result: { data } }));
    const body = JSON.stringify(batched ? envelopes : envelopes[0]);
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      vary: "trpc-accept, accept",
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
      if (!res.headersSent && !res.destroyed) trpc(req, res);
    });
  };
}
