import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Cairn, isCairnError } from "@cairn/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHarness, startCliHarness } from "./cli.test-helpers.js";

/**
 * A server bug (here: a table renamed behind the server's back, so every project query fails with
 * a SQL error that is no engine outage) reaches the client and the CLI as INTERNAL with the
 * request id the server logged it under — never as "server unreachable". A local file that cannot
 * be read is LOCAL_IO, not UNAVAILABLE.
 */
describe("internal and local I/O errors [pglite+fs+inprocess]", () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCliHarness({ db: "pglite", blobs: "fs", jobs: "inprocess" });
    await h.server.rawSql("alter table projects rename to projects_gone");
  }, 120_000);
  afterAll(async () => {
    await h?.server.rawSql("alter table projects_gone rename to projects").catch(() => {});
    await h?.close();
  });

  it("answers a 500 with the INTERNAL code and a request id, on the wire", async () => {
    const response = await fetch(`${h.server.baseUrl}/trpc/projects.list?input=%7B%7D`, {
      headers: { authorization: `Bearer ${h.server.adminKey}` },
    });
    expect(response.status).toBe(500);
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as {
      error: { message: string; data: { domainCode: string; requestId: string } };
    };
    expect(body.error.data).toMatchObject({ domainCode: "INTERNAL", requestId });
    expect(body.error.message).toContain(requestId);
    // No internals: the SQL error stays in the server's log.
    expect(JSON.stringify(body)).not.toMatch(/relation|does not exist/i);
  });

  it("is an INTERNAL CairnError in the client, with the request id", async () => {
    const cairn = new Cairn({
      baseUrl: h.server.baseUrl,
      apiKey: h.server.adminKey,
      env: {},
      configPath: join(h.dir, "no-config.json"),
      cacheDir: join(h.dir, "client-cache"),
      retry: { attempts: 3, baseMs: 10 },
    });
    try {
      const error = await cairn
        .api()
        .projects()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isCairnError(error, "INTERNAL")).toBe(true);
      if (!isCairnError(error)) return;
      expect(error.details?.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(error.message).toContain(String(error.details?.requestId));
      expect(error.message).not.toMatch(/reach|running|cairn server/);
    } finally {
      await cairn.close();
    }
  });

  it("exits 1 in the CLI with the request id, not 'start it with cairn server'", async () => {
    const run = await h.cairn(["ls"]);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: .*internal error \(request id [0-9a-f-]{36}\)/);
    expect(lines[0]).not.toMatch(/cairn server|Cannot reach/);
  });

  it("reports an unreadable config file as LOCAL_IO (exit 8), not UNAVAILABLE", async () => {
    const config = join(h.dir, "broken-config");
    // A directory where the config file should be: reading it fails with EISDIR.
    mkdirSync(join(config, "cairn", "config.json"), { recursive: true });
    const { CAIRN_BASE_URL: _url, CAIRN_API_KEY: _key, ...rest } = h.env;
    const run = await h.cairn(["ls"], { env: { ...rest, XDG_CONFIG_HOME: config } });
    expect(run.stderr).toMatch(/^error: Cannot read the Cairn config file/);
    expect(run.code).toBe(8);
  });
});
