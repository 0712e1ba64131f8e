import { connect, createServer, type Socket } from "node:net";

/** A TCP proxy that can simulate an outage of the engine behind it. */
export interface CuttableProxy {
  port: number;
  /** Connections accepted so far (to see that clients reconnected after a cut). */
  readonly accepted: number;
  /**
   * Destroys every open connection and refuses new ones (reset) for `ms`: what clients see when
   * a PostgreSQL restarts, without touching the real server other suites share.
   */
  cut(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on a random loopback port forwarding to `host:port`. */
export async function startCuttableProxy(host: string, port: number): Promise<CuttableProxy> {
  const open = new Set<Socket>();
  let refuseUntil = 0;
  let accepted = 0;
  const server = createServer((client) => {
    if (Date.now() < refuseUntil) {
      client.resetAndDestroy();
      return;
    }
    accepted++;
    const upstream = connect({ host, port });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : 0;
  return {
    port: boundPort,
    get accepted() {
      return accepted;
    },
    async cut(ms) {
      refuseUntil = Date.now() + ms;
      for (const socket of open) socket.destroy();
      open.clear();
      await new Promise((r) => setTimeout(r, ms));
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
