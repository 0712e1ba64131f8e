import { connect } from "node:net";
import { describe } from "vitest";

/** The external engines an integration suite may need. */
export type Service = "postgres" | "redis";

const DEFAULT_URLS: Record<Service, string> = {
  postgres: "postgres://postgres@127.0.0.1:5432/test",
  redis: "redis://127.0.0.1:6379",
};
const ENV_NAMES: Record<Service, string> = { postgres: "DATABASE_URL", redis: "REDIS_URL" };

/** The URL a suite should use for a service: the env var, or the local default. */
export function serviceUrl(service: Service): string {
  return process.env[ENV_NAMES[service]] ?? DEFAULT_URLS[service];
}

/** True when a TCP connection to the service's host and port opens within a second. */
export function probe(url: string, timeoutMs = 1000): Promise<boolean> {
  const parsed = new URL(url);
  const defaultPort = parsed.protocol.startsWith("redis") ? 6379 : 5432;
  return new Promise((resolve) => {
    const socket = connect({
      host: parsed.hostname || "127.0.0.1",
      port: Number(parsed.port || defaultPort),
    });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Marker the summary reporter looks for in suite names to list what was skipped and why. */
export const SKIP_MARKER = "[skipped: needs";

/**
 * `describe` that runs only when every named service answers. Off CI a missing service skips the
 * suite with a marker the summary reporter prints loudly; with `CI=true` it fails instead, because
 * CI must never pass by skipping.
 */
export async function describeWithServices(
  services: Service[],
  name: string,
  body: () => void,
): Promise<void> {
  const missing: Service[] = [];
  for (const service of services) {
    if (!(await probe(serviceUrl(service)))) missing.push(service);
  }
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const how = missing.map((s) => `${s} at ${ENV_NAMES[s]}=${serviceUrl(s)}`).join(", ");
  if (process.env.CI === "true") {
    describe(name, () => {
      throw new Error(`CI=true and ${how} is unreachable: start it (see .ci/run) or fix the URL.`);
    });
    return;
  }
  describe.skip(`${name} ${SKIP_MARKER} ${how}]`, body);
}
