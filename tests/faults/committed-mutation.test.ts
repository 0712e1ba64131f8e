import { connect, createServer, type Server, type Socket } from "node:net";
import { startTestServer, type TestServer } from "@cairn/api/testing";
import { createCairnTrpcClient, isCairnError } from "@cairn/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * A proxy that forwards one connection at a time to the server and, while `armed`, cuts the
 * client's connection as soon as the server's answer starts to arrive: the server has run (and
 * committed) the request, the client never learns the result. Then it disarms itself.
 */
async function startAnswerCutter(port: number): Promise<{
  port: number;
  arm(): void;
  readonly cuts: number;
  close(): Promise<void>;
}> {
  let armed = false;
  let cuts = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: "127.0.0.1", port });
    open.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (armed) {
        armed = false;
        cuts++;
        // A reset, as a crashed load balancer or a dropped link looks to the client.
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    arm() {
      armed = true;
    },
    get cuts() {
      return cuts;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("a mutation whose answer is lost after the server committed it", () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startAnswerCutter>>;
  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startAnswerCutter(Number(new URL(server.baseUrl).port));
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  const keyCount = async (): Promise<number> => {
    const rows = await server.rawSql<{ n: string | number }>(
      "select count(*) as n from api_keys where revoked_at is null",
    );
    return Number(rows[0]?.n);
  };

  it("has one effect: the transport does not resend it, and says the outcome is unknown", async () => {
    const client = createCairnTrpcClient({
      baseUrl: `http://127.0.0.1:${proxy.port}`,
      apiKey: server.adminKey,
      retry: { attempts: 4, baseMs: 10 },
    });
    const before = await keyCount();
    proxy.arm();
    // Creating an API key is not idempotent: each run makes one more key.
    const error = await client.accounts.createApiKey.mutate({ label: "lost answer" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(proxy.cuts).toBe(1);
    expect(error).toBeDefined();
    expect(await keyCount()).toBe(before + 1);
    // Through the SDK's error mapping, the user learns the outcome is unknown, not "not running".
    const { toCairnError } = await import("@cairn/client");
    const mapped = toCairnError(error, `http://127.0.0.1:${proxy.port}`);
    expect(isCairnError(mapped, "UNAVAILABLE")).toBe(true);
    expect(mapped.details?.outcomeUnknown).toBe(true);
    expect(mapped.message).toMatch(/may or may not have taken effect/);
  });

  it("still retries a query whose answer was lost", async () => {
    const client = createCairnTrpcClient({
      baseUrl: `http://127.0.0.1:${proxy.port}`,
      apiKey: server.adminKey,
      retry: { attempts: 4, baseMs: 10 },
    });
    proxy.arm();
    const me = await client.accounts.whoami.query();
    expect(proxy.cuts).toBe(2);
    expect(me).toMatchObject({ user: { name: server.adminName } });
  });
});
