import type { IncomingMessage, ServerResponse } from "node:http";
import { assertBlobDigest } from "@cairn/blobs";
import { CairnError } from "@cairn/core";
import { nowOf, type Services, verifyByteToken } from "@cairn/services";
import { allowOnly, sendJson } from "./http-errors.js";

/** `<digest>/parts/<n>` after the `/blobs/` prefix: one part of a multipart upload. */
const PART_PATH = /^([^/]+)\/parts\/([^/]+)$/;

/** The digest and part number of a part route's path (after `/blobs/`), or `null` for other paths. */
export function parsePartPath(rest: string): { digest: string; partNumber: number } | null {
  const match = PART_PATH.exec(rest);
  if (!match) return null;
  const digest = match[1] ?? "";
  assertBlobDigest(digest);
  const partNumber = Number(match[2]);
  if (!/^[1-9][0-9]{0,4}$/.test(match[2] ?? "") || partNumber > 10_000) {
    throw new CairnError(
      "INVALID_INPUT",
      `"${String(match[2]).slice(0, 20)}" is not a part number: parts are numbered 1 to 10000; use the part URLs from blobs.missing.`,
    );
  }
  return { digest, partNumber };
}

/**
 * Serves `PUT /blobs/<digest>/parts/<n>?t=<token>`: one part of a multipart upload to a store that
 * cannot presign (the directory store). The token (op `put-part`, from blobs.missing) names the
 * upload, the part and its exact size; the body is capped at that size while it streams, stored
 * durably, and answered with the part's `ETag`, which the client lists in blobs.complete. A part
 * sent again (a retry after a dropped connection or a server restart) replaces the earlier one.
 */
export async function handlePartRoute(
  services: Services,
  req: IncomingMessage,
  res: ServerResponse,
  part: { digest: string; partNumber: number },
  token: string | null,
): Promise<void> {
  const { digest, partNumber } = part;
  if (!allowOnly(req, res, "PUT", "/blobs/<digest>/parts/<n>", "PUT the part's bytes.")) return;
  const claims = verifyByteToken(services.deps.signingSecret, token, {
    digest,
    op: "put-part",
    nowSeconds: Math.floor(nowOf(services.deps).getTime() / 1000),
  });
  const { u: uploadId, n, s: size } = claims;
  if (uploadId === undefined || size === undefined || !Number.isSafeInteger(size) || size < 0) {
    throw new CairnError(
      "UNAUTHORIZED",
      "This part token names no upload or size: request fresh part URLs from blobs.missing.",
    );
  }
  if (n !== partNumber) {
    throw new CairnError(
      "FORBIDDEN",
      `This token is for part ${n} of blob ${digest}, not part ${partNumber}: PUT each part to its own URL from blobs.missing.`,
    );
  }
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > size) {
    throw new CairnError(
      "PAYLOAD_TOO_LARGE",
      `Part ${partNumber} of blob ${digest} is ${size} bytes, but the request declares ${declared}: send exactly the part's bytes.`,
      { details: { digest, partNumber, size } },
    );
  }
  // The store refuses a body longer (PAYLOAD_TOO_LARGE) or shorter than `size` as it streams.
  const { etag } = await services.deps.blobs.putPart(digest, uploadId, partNumber, req, size);
  sendJson(res, 200, { ok: true, digest, partNumber, size, etag }, { etag });
}
