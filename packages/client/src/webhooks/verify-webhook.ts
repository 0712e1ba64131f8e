import { createHmac, timingSafeEqual } from "node:crypto";
import { CairnError, type CairnEvent } from "@cairn/core";

/** Headers as Node's `req.headers` or a Fetch `Headers` gives them. */
type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Seconds a delivery's `webhook-timestamp` may differ from this machine's clock (replays). */
const TOLERANCE_S = 300;

/**
 * Verifies a Cairn webhook delivery (Standard Webhooks): the `webhook-signature` must hold a
 * `v1,` HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<raw body>` under `secret` (`whsec_…`)
 * and the timestamp must be within 5 minutes. Returns the event; throws UNAUTHORIZED otherwise.
 * Pass the raw body exactly as received (re-serialised JSON would not match).
 */
export function verifyWebhook(secret: string, headers: HeaderSource, rawBody: string): CairnEvent {
  const id = header(headers, "webhook-id");
  const timestamp = Number(header(headers, "webhook-timestamp"));
  const signatures = header(headers, "webhook-signature") ?? "";
  const fail = (why: string) =>
    new CairnError("UNAUTHORIZED", `Webhook rejected: ${why}. Check the hook's secret (whsec_…).`);
  if (!id || !Number.isInteger(timestamp)) throw fail("webhook-id or webhook-timestamp missing");
  if (Math.abs(Date.now() / 1000 - timestamp) > TOLERANCE_S)
    throw fail("timestamp too old or in the future");
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${rawBody}`).digest();
  const valid = signatures.split(" ").some((part) => {
    const [version, mac] = part.split(",", 2);
    const given = Buffer.from(mac ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!valid) throw fail("no signature matches");
  return JSON.parse(rawBody) as CairnEvent;
}
