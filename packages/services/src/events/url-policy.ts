import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { CairnError } from "@cairn/core";

/**
 * Where webhooks may point. By default only public addresses: loopback, private (RFC 1918, ULA),
 * link-local (cloud metadata at 169.254.169.254), CGNAT, multicast and reserved ranges are refused
 * so a hook cannot be aimed at the server's own network (SSRF). `allowedNetworks` re-allows given
 * CIDRs explicitly (tests allow `127.0.0.1/32`; a deployment may allow an internal CI runner).
 */
export interface WebhookUrlPolicy {
  /** CIDRs allowed even though they are in a refused range, e.g. `["127.0.0.1/32"]`. */
  allowedNetworks?: readonly string[];
  /** Allow `http:` (not only `https:`). Default true: many internal receivers speak plain HTTP. */
  allowHttp?: boolean;
}

const REFUSED: Array<[string, number, "ipv4" | "ipv6"]> = [
  ["0.0.0.0", 8, "ipv4"],
  ["10.0.0.0", 8, "ipv4"],
  ["100.64.0.0", 10, "ipv4"],
  ["127.0.0.0", 8, "ipv4"],
  ["169.254.0.0", 16, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["224.0.0.0", 4, "ipv4"],
  ["240.0.0.0", 4, "ipv4"],
  ["::", 128, "ipv6"],
  ["::1", 128, "ipv6"],
  ["fc00::", 7, "ipv6"],
  ["fe80::", 10, "ipv6"],
  ["ff00::", 8, "ipv6"],
  ["64:ff9b::", 96, "ipv6"],
];

const refused = new BlockList();
for (const [net, prefix, type] of REFUSED) refused.addSubnet(net, prefix, type);

function allowList(policy: WebhookUrlPolicy): BlockList {
  const list = new BlockList();
  for (const cidr of policy.allowedNetworks ?? []) {
    const [net = "", bits] = cidr.split("/");
    const type = isIP(net) === 6 ? "ipv6" : "ipv4";
    if (isIP(net) === 0) {
      throw new CairnError(
        "INVALID_INPUT",
        `Allowed network "${cidr}" is not a CIDR (e.g. 127.0.0.1/32).`,
      );
    }
    list.addSubnet(net, bits === undefined ? (type === "ipv4" ? 32 : 128) : Number(bits), type);
  }
  return list;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), else the address. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1] ?? address;
}

/** True when the policy lets a delivery connect to `address` (an IP literal). */
export function addressAllowed(policy: WebhookUrlPolicy, address: string): boolean {
  const ip = unmapped(address);
  const type = isIP(ip) === 6 ? "ipv6" : "ipv4";
  if (isIP(ip) === 0) return false;
  if (allowList(policy).check(ip, type)) return true;
  return !refused.check(ip, type);
}

function refusedUrl(url: string, why: string): CairnError {
  return new CairnError(
    "INVALID_URI",
    `Webhook URL ${url} is refused: ${why}. Point it at a public http(s) address, or ask the operator to allow the network (CAIRN_WEBHOOK_ALLOWED_NETWORKS).`,
    { details: { url } },
  );
}

/** Parses and checks a webhook URL's form (scheme, no credentials); throws INVALID_URI. */
export function checkUrlForm(policy: WebhookUrlPolicy, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new CairnError(
      "INVALID_URI",
      `Webhook URL ${JSON.stringify(raw)} is not a URL: give an absolute http(s) URL.`,
      { cause: error },
    );
  }
  const schemes = policy.allowHttp === false ? ["https:"] : ["https:", "http:"];
  if (!schemes.includes(url.protocol))
    throw refusedUrl(raw, `its scheme must be ${schemes.join(" or ")}`);
  if (url.username !== "" || url.password !== "") {
    throw refusedUrl(
      raw,
      "it carries credentials (put a token in the path or rely on the signature)",
    );
  }
  return url;
}

/**
 * Resolves a webhook URL's host and checks every address it resolves to against the policy.
 * Returns the address to connect to, so the connection goes to exactly the address that was
 * checked (a second DNS answer cannot rebind it to an internal one).
 */
export async function resolveTarget(
  policy: WebhookUrlPolicy,
  raw: string,
): Promise<{ url: URL; address: string; family: 4 | 6 }> {
  const url = checkUrlForm(policy, raw);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const answers =
    isIP(host) === 0
      ? await lookup(host, { all: true, verbatim: true }).catch((error: unknown) => {
          throw new CairnError(
            "INVALID_URI",
            `Webhook host ${host} does not resolve: check the URL.`,
            { cause: error },
          );
        })
      : [{ address: host, family: isIP(host) }];
  const bad = answers.find((a) => !addressAllowed(policy, a.address));
  if (bad)
    throw refusedUrl(
      raw,
      `${host} resolves to ${bad.address}, a loopback/private/reserved address`,
    );
  const first = answers[0];
  if (!first) throw new CairnError("INVALID_URI", `Webhook host ${host} has no address.`);
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
