import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer } from "@cairn/api/testing";
import { Artifact, Cairn, isCairnError } from "@cairn/client";
import { createCairnTrpcClient, toCairnError } from "@cairn/client/internal";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * A proxy to the server that, while armed, cuts a client's connection as soon as the server's
 * answer to the armed request starts to arrive: the server has run (and committed) the request,
 * the client never learns the result. Armed with a procedure name, it waits for a request to
 * that procedure (`POST /trpc/artifacts.log…`); armed without one, the next answer on any
 * connection is cut. Each arming cuts once.
 */
async function startAnswerCutter(port: number): Promise<{
  port: number;
  arm(procedure?: string): void;
  readonly cuts: number;
  /** Requests seen so far whose request line names `procedure`. */
  requestsTo(procedure: string): number;
  close(): Promise<void>;
}> {
  let armed: { procedure: string | null } | null = null;
  let cuts = 0;
  const requestLines: string[] = [];
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: "127.0.0.1", port });
    open.add(client).add(upstream);
    let cutNextAnswer = false;
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.on("data", (chunk: Buffer) => {
      // Requests on one keep-alive connection are sequential: a request line starts a chunk.
      const line = /^[A-Z]+ \S+ HTTP\/1\.1/.exec(chunk.toString("latin1"))?.[0];
      if (line) {
        requestLines.push(line);
        if (armed && (armed.procedure === null || line.includes(`/trpc/${armed.procedure}`))) {
          armed = null;
          cutNextAnswer = true;
        }
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (cutNextAnswer) {
        cutNextAnswer = false;
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
    arm(procedure) {
      armed = { procedure: procedure ?? null };
    },
    get cuts() {
      return cuts;
    },
    requestsTo(procedure) {
      return requestLines.filter((line) => line.includes(`/trpc/${procedure}`)).length;
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
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startAnswerCutter(Number(new URL(server.baseUrl).port));
    dir = await mkdtemp(join(tmpdir(), "cairn-lost-answer-"));
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
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
    const cutsBefore = proxy.cuts;
    proxy.arm("accounts.createApiKey");
    // Creating an API key is not idempotent: each run makes one more key.
    const error = await client.accounts.createApiKey.mutate({ label: "lost answer" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(proxy.cuts).toBe(cutsBefore + 1);
    expect(proxy.requestsTo("accounts.createApiKey")).toBe(1);
    expect(error).toBeDefined();
    expect(await keyCount()).toBe(before + 1);
    // Through the SDK's error mapping, the user learns the outcome is unknown, not "not running".
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
    const cutsBefore = proxy.cuts;
    proxy.arm("accounts.whoami");
    const me = await client.accounts.whoami.query();
    expect(proxy.cuts).toBe(cutsBefore + 1);
    expect(proxy.requestsTo("accounts.whoami")).toBe(2);
    expect(me).toMatchObject({ user: { name: server.adminName } });
  });

  it("artifacts.log, repeatable by its contents, is resent and makes one version", async () => {
    const cairn = new Cairn({
      baseUrl: `http://127.0.0.1:${proxy.port}`,
      apiKey: server.adminKey,
      project: "lost-answers",
      env: {},
      configPath: join(dir, "no-config.json"),
      cacheDir: join(dir, "cache"),
      retry: { attempts: 4, baseMs: 10 },
    });
    try {
      const run = await cairn.init({ jobType: "train" });
      const file = join(dir, "weights.bin");
      await writeFile(file, "the weights of one model");
      const artifact = new Artifact({ name: "model", type: "model" });
      artifact.addFile(file);
      const cutsBefore = proxy.cuts;
      proxy.arm("artifacts.log");
      const result = await run.logArtifact(artifact, { aliases: ["best"] }).result();
      // The first answer was cut after the server committed v0; the resent log resolved to it.
      expect(proxy.cuts).toBe(cutsBefore + 1);
      expect(proxy.requestsTo("artifacts.log")).toBe(2);
      expect(result.artifact.version).toBe("v0");
      expect(result.artifact.aliases).toEqual(expect.arrayContaining(["best", "latest"]));
      const versions = await server.rawSql<{ number: number }>(
        `select v.number from versions v join collections c on c.id = v.collection_id
         where c.name = 'model'`,
      );
      expect(versions.map((v) => Number(v.number))).toEqual([0]);
      await run.finish();
    } finally {
      await cairn.close();
    }
  });
});
