import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { CairnTrpcClient } from "@cairn/client";
import { percentile } from "./stats.js";

/**
 * Event delivery latency under load: a loopback webhook receiver, a hook on `probe-*` artifacts,
 * and a loop that logs a tiny probe version every `everyMs` while the load runs. Latency is the
 * receiver's clock at arrival minus the event's `timestamp` (taken inside the committing
 * transaction, so it includes the commit itself); same machine, same clock.
 */
export interface EventProbe {
  url: string;
  /** Creates the hook (call once the project exists). */
  install(client: CairnTrpcClient, project: { entity: string; project: string }): Promise<void>;
  /** Starts logging probes with `name`; `stop()` resolves with p50/p99 once every probe arrived. */
  start(
    client: CairnTrpcClient,
    project: { entity: string; project: string },
    name: string,
    everyMs: number,
  ): { stop(): Promise<{ p50: number; p99: number; count: number }> };
  close(): Promise<void>;
}

/** Starts the receiver on 127.0.0.1 (the bench's processes get `CAIRN_WEBHOOK_ALLOWED_NETWORKS`). */
export async function startEventProbe(): Promise<EventProbe> {
  const arrivals = new Map<string, number>();
  let wake: (() => void) | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const now = Date.now();
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        timestamp: string;
        data: { name: string; version?: { version: string } };
      };
      arrivals.set(
        `${event.data.name}:${event.data.version?.version}`,
        now - Date.parse(event.timestamp),
      );
      res.writeHead(204).end();
      wake?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/probe`;
  return {
    url,
    async install(client, project) {
      await client.hooks.create.mutate({
        ...project,
        url,
        kinds: ["version.created"],
        namePattern: "probe-*",
      });
    },
    start(client, project, name, everyMs) {
      let stopped = false;
      let logged = 0;
      const loop = (async () => {
        while (!stopped) {
          const i = logged++;
          await client.artifacts.log.mutate({
            ...project,
            name,
            type: "probe",
            entries: [
              { path: "p", digest: `probe-${name}-${i}`, size: 1, ref: `https://example.com/${i}` },
            ],
          });
          await new Promise((r) => setTimeout(r, everyMs));
        }
      })();
      return {
        async stop() {
          stopped = true;
          await loop;
          const mine = () =>
            [...arrivals].filter(([k]) => k.startsWith(`${name}:`)).map(([, v]) => v);
          const deadline = Date.now() + 30_000;
          while (mine().length < logged && Date.now() < deadline) {
            await new Promise<void>((r) => {
              wake = r;
              setTimeout(r, 200);
            });
          }
          const samples = mine();
          if (samples.length < logged) {
            throw new Error(`event probe: ${samples.length} of ${logged} probe events arrived`);
          }
          return {
            p50: percentile(samples, 50),
            p99: percentile(samples, 99),
            count: samples.length,
          };
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
