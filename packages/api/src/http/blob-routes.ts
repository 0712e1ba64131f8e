import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertBlobDigest } from "@cairn/blobs";
import { CairnError } from "@cairn/core";
import { nowOf, type Services, tokenOwners, verifyByteToken } from "@cairn/services";
import type { Logger } from "pino";
import { handlePartRoute, parsePartPath } from "./blob-part-route.js";
import { sendError, sendJson } from "./http-errors.js";
import { parseRangeHeader } from "./range-header.js";

/** What a byte route needs: the composed services and a logger for stream failures. */
export interface BlobRouteContext {
  services: Services;
  logger: Logger;
}

/** The path prefix of the directory store's byte routes. */
export const BLOB_ROUTE_PREFIX = "/blobs/";

/**
 * Serves `PUT|GET|HEAD /blobs/<digest>?t=<token>` — the byte routes of the directory store (the
 * S3 store hands out presigned bucket URLs instead) — and `PUT /blobs/<digest>/parts/<n>` (see
 * blob-part-route.ts). The token, signed by the procedure that
 * checked access, is the only credential: any server process holding the shared signing secret
 * can serve the request, with no session state. Errors are thrown as `CairnError`s for the
 * caller to turn into JSON responses.
 */
export async function handleBlobRoute(
  context: BlobRouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  // Not percent-decoded: a digest is plain hex, and anything else is refused just below.
  const digest = url.pathname.slice(BLOB_ROUTE_PREFIX.length);
  const part = parsePartPath(digest); // `<digest>/parts/<n>`: one part of a multipart upload
  if (part) return handlePartRoute(context.services, req, res, part, url.searchParams.get("t"));
  assertBlobDigest(digest);
  const token = url.searchParams.get("t");
  const nowSeconds = Math.floor(nowOf(context.services.deps).getTime() / 1000);
  if (req.method === "PUT") {
    await putBlob(context, req, res, digest, token, nowSeconds);
  } else if (req.method === "GET" || req.method === "HEAD") {
    await getBlob(context, req, res, digest, token, nowSeconds);
  } else {
    sendError(
      res,
      405,
      "METHOD_NOT_SUPPORTED",
      `${req.method} is not supported on ${BLOB_ROUTE_PREFIX}<digest>: use PUT to upload or GET/HEAD to download.`,
      { allow: "PUT, GET, HEAD" },
    );
  }
}

async function putBlob(
  { services }: BlobRouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  digest: string,
  token: string | null,
  nowSeconds: number,
): Promise<void> {
  const claims = verifyByteToken(services.deps.signingSecret, token, {
    digest,
    op: "put",
    nowSeconds,
  });
  const owners = tokenOwners(claims);
  const size = claims.s;
  if (owners.length === 0 || size === undefined || !Number.isSafeInteger(size) || size < 0) {
    throw new CairnError(
      "UNAUTHORIZED",
      "This upload token names no owner or size: request a fresh upload URL from blobs.missing.",
    );
  }
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > size) {
    throw tooLarge(digest, size, Number(declared));
  }
  // The declared size is also enforced while streaming (chunked bodies have no Content-Length),
  // so a client can never make the server write more than the token allows.
  await services.blobs.receiveUpload({
    digest,
    size,
    entityIds: owners,
    body: capped(req, digest, size),
  });
  sendJson(res, 200, { ok: true, digest, size });
}

async function getBlob(
  { services, logger }: BlobRouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  digest: string,
  token: string | null,
  nowSeconds: number,
): Promise<void> {
  verifyByteToken(services.deps.signingSecret, token, { digest, op: "get", nowSeconds });
  const blobs = services.deps.blobs;
  const stat = await blobs.stat(digest);
  if (!stat) {
    throw new CairnError(
      "NOT_FOUND",
      `Blob ${digest} is not stored: it may have been garbage-collected; re-fetch the manifest and its file URLs.`,
    );
  }
  const headers: Record<string, string | number> = {
    "content-type": "application/octet-stream",
    "accept-ranges": "bytes",
    // Content-addressed: the bytes under a digest never change.
    etag: `"${digest}"`,
    "cache-control": "private, max-age=31536000, immutable",
  };
  const range = parseRangeHeader(req.headers.range, stat.size);
  if (range === "unsatisfiable") {
    sendError(
      res,
      416,
      "RANGE_NOT_SATISFIABLE",
      `The requested range is outside the ${stat.size}-byte blob: ask for bytes 0-${Math.max(stat.size - 1, 0)}.`,
      { "content-range": `bytes */${stat.size}` },
    );
    return;
  }
  const status = range ? 206 : 200;
  const length = range ? range.end - range.start + 1 : stat.size;
  headers["content-length"] = length;
  if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${stat.size}`;
  if (req.method === "HEAD" || length === 0) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const stream: Readable = await blobs.get(digest, range ?? undefined);
  res.writeHead(status, headers);
  try {
    await pipeline(stream, res);
  } catch (error) {
    // Headers are out: the only honest signal left is cutting the connection (pipeline did).
    // A client hanging up mid-download is routine, not a server fault.
    logger.warn({ digest, err: error }, "blob download interrupted");
  }
}

async function* capped(
  body: AsyncIterable<Uint8Array>,
  digest: string,
  size: number,
): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.byteLength;
    if (seen > size) throw tooLarge(digest, size, seen);
    yield chunk;
  }
}

function tooLarge(digest: string, size: number, got: number): CairnError {
  return new CairnError(
    "PAYLOAD_TOO_LARGE",
    `The upload URL for blob ${digest} accepts exactly ${size} bytes, but ${got} or more were sent: upload the exact file the URL was issued for.`,
    { details: { digest, size, got } },
  );
}
