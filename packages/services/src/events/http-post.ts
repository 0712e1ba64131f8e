import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";

/** The outcome of one POST: a status (0 when no answer) and the start of the body or the error. */
export interface PostOutcome {
  status: number;
  excerpt: string;
  error: string | null;
  latencyMs: number;
}

/** Characters of a receiver's answer kept in the delivery log. */
const EXCERPT_CHARS = 512;

/**
 * POSTs `body` to `url`, connecting to `address` only (already checked against the URL policy:
 * the `lookup` override stops a second DNS answer from redirecting the connection). Never follows
 * redirects: a 3xx is a failed delivery, since a redirect could lead to a refused address.
 */
export function postJson(
  url: URL,
  address: string,
  family: 4 | 6,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostOutcome> {
  const started = performance.now();
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(
        null,
        [{ address, family }],
      );
    } else callback(null, address, family);
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const done = (status: number, excerpt: string, error: string | null) =>
      resolve({ status, excerpt, error, latencyMs: Math.round(performance.now() - started) });
    const req = send(
      url,
      {
        method: "POST",
        lookup: pinned,
        timeout: timeoutMs,
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          "user-agent": "Cairn-Webhooks/1",
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (text.length < EXCERPT_CHARS) text += chunk;
        });
        res.on("end", () => done(res.statusCode ?? 0, clean(text), null));
        res.on("error", (e) => done(res.statusCode ?? 0, clean(text), e.message));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => done(0, "", e.message));
    req.end(body);
  });
}

function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips control characters on purpose
  return text.slice(0, EXCERPT_CHARS).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "");
}
