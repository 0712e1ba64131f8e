import type { IncomingMessage, ServerResponse } from "node:http";
import { CairnError } from "@cairn/core";
import { BUNDLE_DOWNLOAD_PATH, type Services } from "@cairn/services";
import type { Logger } from "pino";
import { allowOnly } from "./http-errors.js";

export { BUNDLE_DOWNLOAD_PATH };

/** Bytes gathered per socket write. */
const WRITE_BYTES = 64 * 1024;

/** Largest request body: 1,000 quoted digests with commas fit in ~67 KB. */
const MAX_REQUEST_BYTES = 256 * 1024;

/**
 * Serves `POST /bundles/get?t=<token>` with a JSON body `{"digests":[…]}`: the listed blobs in one
 * answer, in the bundle format of `@cairn/core` (a JSON header line, then each blob's bytes in
 * order). The URL comes from `artifacts.fileUrlsBatch`, whose token names the version it checked
 * access to; only stored files of that version are served. Every refusal (bad token, malformed
 * list, foreign digest, oversized blob) happens before the first byte, as a JSON 4xx; a store
 * failure after the header can only cut the connection, which the client retries.
 */
export async function handleBundleDownload(
  context: { services: Services; logger: Logger },
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const use = 'POST {"digests":[…]} to the bundle URL from artifacts.fileUrlsBatch.';
  if (!allowOnly(req, res, "POST", BUNDLE_DOWNLOAD_PATH, use)) return;
  const request = await readJsonBody(req);
  const bundle = await context.services.bundleDownloads.open(url.searchParams.get("t"), request);
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": bundle.contentLength,
    "cache-control": "no-store",
  });
  try {
    // Small blobs are gathered into larger writes: one socket write per 1 KiB blob is all overhead.
    let pending: Uint8Array[] = [bundle.header];
    let pendingBytes = bundle.header.byteLength;
    const flush = async (): Promise<void> => {
      const ok = res.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
      if (!ok) await drained(res);
    };
    for await (const chunk of bundle.body()) {
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      if (pendingBytes >= WRITE_BYTES) await flush();
    }
    if (pendingBytes > 0) await flush();
    res.end();
  } catch (error) {
    // Headers are out: the only honest signal left is cutting the connection.
    context.logger.warn({ err: error, blobs: bundle.blobs.length }, "bundle download interrupted");
    res.destroy();
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      res.off("close", onClose);
      resolve();
    };
    const onClose = () => {
      res.off("drain", onDrain);
      reject(new Error("the client closed the connection"));
    };
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) {
      throw new CairnError(
        "PAYLOAD_TOO_LARGE",
        `A bundle request body may hold at most ${MAX_REQUEST_BYTES} bytes: list fewer digests per bundle.`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new CairnError(
      "INVALID_INPUT",
      'The bundle request body is not JSON: send {"digests":["<sha256>",…]}.',
    );
  }
}
