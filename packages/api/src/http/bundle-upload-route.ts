import type { IncomingMessage, ServerResponse } from "node:http";
import { BUNDLE_MAX_BYTES, BUNDLE_MAX_HEADER_BYTES, CairnError } from "@cairn/core";
import {
  BUNDLE_TOKEN_SUBJECT,
  nowOf,
  type Services,
  tokenOwners,
  verifyByteToken,
} from "@cairn/services";
import { allowOnly, sendJson } from "./http-errors.js";

/** The path of the bundle upload route. */
export const BUNDLE_UPLOAD_PATH = "/bundles/put";

/** Largest body accepted: the most blob bytes of a bundle plus the longest header line. */
const MAX_BODY_BYTES = BUNDLE_MAX_BYTES + BUNDLE_MAX_HEADER_BYTES;

/**
 * Serves `POST /bundles/put?t=<token>`: many small blobs in one body (the format of
 * `@cairn/core`'s bundle module), for the URL `blobs.missing` hands out next to per-blob targets
 * when bytes go through the server. The signed token names the entity that will own the blobs;
 * every blob is verified against its digest before it counts. Answers
 * `{ ok: true, blobs: <count>, bytes: <total> }`.
 */
export async function handleBundleUpload(
  services: Services,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const use = "POST a bundle to the URL from blobs.missing.";
  if (!allowOnly(req, res, "POST", BUNDLE_UPLOAD_PATH, use)) return;
  const nowSeconds = Math.floor(nowOf(services.deps).getTime() / 1000);
  const claims = verifyByteToken(services.deps.signingSecret, url.searchParams.get("t"), {
    digest: BUNDLE_TOKEN_SUBJECT,
    op: "put-bundle",
    nowSeconds,
  });
  const owners = tokenOwners(claims);
  if (owners.length === 0) {
    throw new CairnError(
      "UNAUTHORIZED",
      "This bundle token names no owner: request a fresh upload URL from blobs.missing.",
    );
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge(declared);
  const result = await services.blobs.receiveBundle({
    entityIds: owners,
    body: capped(req, MAX_BODY_BYTES),
  });
  sendJson(res, 200, { ok: true, blobs: result.blobs.length, bytes: result.bytes });
}

/** The body, refused as soon as it exceeds `max` bytes (chunked bodies declare no length). */
async function* capped(body: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.byteLength;
    if (seen > max) throw tooLarge(seen);
    yield chunk;
  }
}

function tooLarge(got: number): CairnError {
  return new CairnError(
    "PAYLOAD_TOO_LARGE",
    `A bundle body may hold at most ${MAX_BODY_BYTES} bytes, but ${got} or more were sent: split the blobs into smaller bundles.`,
    { details: { max: MAX_BODY_BYTES, got } },
  );
}
