import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One request a {@link WebhookReceiver} got. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** Parsed body. */
  event: {
    id: string;
    type: string;
    timestamp: string;
    seq: number;
    data: Record<string, unknown>;
  };
  /** `Date.now()` on arrival. */
  receivedAt: number;
  /** The HTTP status answered (0: left hanging). */
  answered: number;
}

/** A loopback HTTP server that records webhook deliveries, for tests. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hook`. */
  url: string;
  /** Every request, in arrival order (failed ones too). */
  readonly received: ReceivedWebhook[];
  /** Requests answered 2xx. */
  accepted(): ReceivedWebhook[];
  /** Answer the next `n` requests with HTTP 500. */
  failNext(n: number): void;
  /** Never answer the next `n` requests (a receiver that hangs; the sender must time out). */
  hangNext(n: number): void;
  /** Resolves once `predicate` holds over the requests, or rejects after `timeoutMs`. */
  waitFor(predicate: (all: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a {@link WebhookReceiver} on 127.0.0.1 and a free port. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let failures = 0;
  let hangs = 0;
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (hangs > 0) {
        hangs -= 1;
        received.push({
          headers: req.headers,
          body,
          event: JSON.parse(body),
          receivedAt: Date.now(),
          answered: 0,
        });
        for (const wake of waiters) wake();
        return;
      }
      const answered = failures > 0 ? 500 : 204;
      if (failures > 0) failures -= 1;
      received.push({
        headers: req.headers,
        body,
        event: JSON.parse(body),
        receivedAt: Date.now(),
        answered,
      });
      res.writeHead(answered).end(answered === 500 ? "receiver is down (test)" : undefined);
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    accepted: () => received.filter((r) => r.answered >= 200 && r.answered < 300),
    failNext(n) {
      failures = n;
    },
    hangNext(n) {
      hangs = n;
    },
    waitFor(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `webhook receiver: condition not met within ${timeoutMs} ms (${received.length} requests)`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Verifies a delivery per the Standard Webhooks spec, independently of the server's signer:
 * HMAC-SHA256 with the base64 key after `whsec_` over `<webhook-id>.<webhook-timestamp>.<body>`,
 * any one `v1,` signature of the header matching, and the timestamp within 5 minutes.
 */
export function verifyStandardWebhook(secret: string, delivery: ReceivedWebhook): boolean {
  const id = String(delivery.headers["webhook-id"]);
  const timestamp = Number(delivery.headers["webhook-timestamp"]);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${delivery.body}`).digest();
  return String(delivery.headers["webhook-signature"] ?? "")
    .split(" ")
    .some((part) => {
      const [version, sig] = part.split(",");
      const given = Buffer.from(sig ?? "", "base64");
      return (
        version === "v1" && given.length === expected.length && timingSafeEqual(given, expected)
      );
    });
}
